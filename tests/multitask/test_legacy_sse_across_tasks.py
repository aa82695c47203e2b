"""The legacy HTTP+SSE transport (2024-11-05) across tasks: the stream is held
by one task, the client's POSTs land on any task (nginx, round-robin, no
stickiness) and every answer arrives on the stream, through the official
Python SDK's SSE client. Then by hand: a POST to each other task is forwarded
to the holder, a POST without a token is refused where it lands, and when the
holder dies its session ends, so a POST elsewhere gets 404."""

from __future__ import annotations

import json
import time

import anyio
import httpx
from mcp import ClientSession
from mcp.client.sse import sse_client

from client import sign_in
from conftest import MakeFleet
from nginx import Nginx
from procs import TEST_USER, free_port

PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def read_events(lines):  # type: ignore[no-untyped-def]
    """(event, data) pairs of an SSE stream's lines."""
    event, data = "message", []
    for line in lines:
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].strip())


def test_sdk_sse_client_through_a_round_robin_balancer(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(tasks=())
    tasks = [fleet.add_task(name, port=free_port()) for name in ("A", "B", "C")]
    balancer = Nginx(fleet.work / "nginx", fleet.public_port, [t.port for t in tasks]).start()
    try:
        token = sign_in(fleet.a).access_token

        async def run() -> int:
            headers = {"Authorization": f"Bearer {token}"}
            async with sse_client(f"{fleet.public_url}/sse", headers=headers) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools = await session.list_tools()
                    for _ in range(12):
                        result = await session.call_tool("whoami", {})
                        assert result.is_error is not True, result.content
                        assert result.structured_content["email"] == TEST_USER
                    return len(tools.tools)

        listed = anyio.run(run)
        assert listed > 40, listed
        holders = [t.name for t in tasks if any(r.get("path") == "/sse" for r in t.log_records())]
        took_posts = [t.name for t in tasks if any(r.get("path") == "/messages" for r in t.log_records())]
        assert len(holders) == 1, holders
        assert set(took_posts) - set(holders), f"every POST reached the holder {holders}: nothing crossed tasks"
    finally:
        balancer.stop()


def test_a_post_to_any_task_reaches_the_stream_and_ends_with_its_holder(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    alice = {"Authorization": f"Bearer {sign_in(fleet.a).access_token}", **fleet.a.host_header}
    with httpx.Client(timeout=httpx.Timeout(10.0, read=30.0)) as http:
        with http.stream("GET", f"{fleet.a.local_url}/sse", headers=alice) as stream:
            assert stream.status_code == 200
            events = read_events(stream.iter_lines())
            kind, endpoint = next(events)
            assert kind == "endpoint", (kind, endpoint)
            for n, task in enumerate((fleet.b, fleet.c, fleet.a), start=10):
                started = time.monotonic()
                posted = http.post(f"{task.local_url}{endpoint}", json={**PING, "id": n}, headers=alice)
                assert posted.status_code == 202, f"{task.name}: {posted.status_code} {posted.text}"
                kind, data = next(events)
                took = time.monotonic() - started
                assert kind == "message" and json.loads(data) == {"jsonrpc": "2.0", "id": n, "result": {}}, data
                print(f"\nlegacy SSE: POST on {task.name}, answer on A's stream in {took * 1000:.1f} ms")

            # Forged bearer or no bearer on B: refused there, nothing forwarded.
            anonymous = http.post(f"{fleet.b.local_url}{endpoint}", json=PING, headers=fleet.b.host_header)
            assert anonymous.status_code == 401, anonymous.text

            fleet.a.kill()
        # The holder is gone: the session ends on the first POST that finds it unreachable.
        gone = http.post(f"{fleet.b.local_url}{endpoint}", json=PING, headers=alice)
        assert gone.status_code == 404, f"{gone.status_code} {gone.text}"
        again = http.post(f"{fleet.c.local_url}{endpoint}", json=PING, headers=alice)
        assert again.status_code == 404, f"{again.status_code} {again.text}"
