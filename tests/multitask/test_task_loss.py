"""Proof 3: task B dies (SIGKILL) in the middle of a run of requests spread over
A, B and C; the client carries on with A and C with the same token and no new
sign-in, and the legacy session it had opened on B continues on A."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from client import call_tool, http_for, session_request, sign_in, start_session, tool_result
from conftest import MakeFleet
from procs import TEST_USER

WORKERS = 6
RUN_SECONDS = 6.0
KILL_AFTER = 2.0


def test_killing_task_b_mid_run_loses_nothing_on_a_and_c(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    tokens = sign_in(fleet.a)
    tasks = {"A": fleet.a, "B": fleet.b, "C": fleet.c}
    with http_for(fleet.b, tokens.access_token) as on_b:
        session_on_b = start_session(on_b)
        assert session_request(on_b, session_on_b, "tools/list", None, 2).status == 200

    killed = threading.Event()
    outcomes: list[tuple[str, bool, float, str]] = []  # (task, after kill?, when, outcome)
    lock = threading.Lock()
    started = time.monotonic()

    def worker(index: int) -> None:
        clients = {name: http_for(task, tokens.access_token, timeout=10) for name, task in tasks.items()}
        names = ["A", "B", "C"]
        n = index
        try:
            while time.monotonic() - started < RUN_SECONDS:
                name = names[n % 3]
                n += 1
                after_kill = killed.is_set()
                try:
                    reply = call_tool(clients[name], "whoami", request_id=n)
                    result = tool_result(reply, n)
                    ok = not result.get("isError") and result["structuredContent"]["email"] == TEST_USER
                    outcome = "ok" if ok else f"tool error: {result}"
                except (httpx.HTTPError, AssertionError) as exc:
                    outcome = f"{type(exc).__name__}: {exc}"
                with lock:
                    outcomes.append((name, after_kill, time.monotonic() - started, outcome))
        finally:
            for client in clients.values():
                client.close()

    with ThreadPoolExecutor(WORKERS) as pool:
        running = [pool.submit(worker, i) for i in range(WORKERS)]
        time.sleep(KILL_AFTER)
        fleet.b.kill()
        killed.set()
        for future in running:
            future.result()

    before = [o for o in outcomes if not o[1]]
    after_on_a_c = [o for o in outcomes if o[1] and o[0] != "B"]
    failed_before = [o for o in before if o[3] != "ok" and o[0] != "B"]
    assert len(before) > 10 and {o[0] for o in before} == {"A", "B", "C"}, f"too few requests before the kill: {len(before)}"
    assert not failed_before, failed_before[:5]
    assert len(after_on_a_c) > 10, f"too few requests after the kill: {len(after_on_a_c)}"
    failed_after = [o for o in after_on_a_c if o[3] != "ok"]
    assert not failed_after, f"{len(failed_after)} requests to A/C failed after B died: {failed_after[:5]}"
    # Requests to B after the kill fail at the connection, as a load balancer sees it.
    on_b_after = [o for o in outcomes if o[1] and o[0] == "B" and o[2] > KILL_AFTER + 0.5]
    assert all(o[3] != "ok" for o in on_b_after)

    # The session opened on B continues on A and C, without a new initialize.
    for name, task in (("A", fleet.a), ("C", fleet.c)):
        with http_for(task, tokens.access_token) as http:
            reply = session_request(http, session_on_b, "tools/call", {"name": "whoami", "arguments": {}}, 10)
            assert reply.status == 200, f"session from B on {name}: {reply.status} {reply.response.text}"
            assert reply.result_for(10)["structuredContent"]["email"] == TEST_USER
