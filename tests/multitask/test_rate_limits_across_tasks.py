"""The per-user tool-call limit is one bucket for the whole fleet: calls
used up on task A are refused on B and C (after a few admitted while B and C
learn it, within the documented tolerance), a task restarted in the middle
admits no more than it should. Store: DynamoDB and KMS in moto. (Each
person's own bucket: tests/python/test_rate_limits.py.)"""

from __future__ import annotations

import time

from client import call_tool, http_for, sign_in, tool_result
from conftest import MakeFleet

BURST = 8
PER_MINUTE = 12  # one call back every 5 s


def admitted(task, token: str, calls: int) -> int:  # type: ignore[no-untyped-def]
    ok = 0
    with http_for(task, token, timeout=10) as http:
        for i in range(calls):
            reply = call_tool(http, "whoami", request_id=i + 1)
            assert reply.status == 200, reply.response.text[:300]
            result = tool_result(reply, i + 1)
            if result.get("isError"):
                assert "Retry in" in result["content"][0]["text"], result
            else:
                ok += 1
    return ok


def test_one_bucket_per_person_across_tasks_and_restarts(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(RATE_LIMIT_BURST=str(BURST), RATE_LIMIT_TOOL_CALLS_PER_MINUTE=str(PER_MINUTE))
    ann = sign_in(fleet.a)

    started = time.monotonic()
    on_a = admitted(fleet.a, ann.access_token, BURST + 4)
    assert on_a == BURST, on_a
    time.sleep(1.5)  # A shares its calls at once; the wait only makes the test calm
    on_b = admitted(fleet.b, ann.access_token, BURST)
    on_c = admitted(fleet.c, ann.access_token, BURST)
    # Independent per-task buckets would admit BURST on each of B and C.
    print(f"admitted: A {on_a}, B {on_b}, C {on_c} (burst {BURST})")
    assert on_b <= BURST // 2 and on_c <= BURST // 2, (on_b, on_c)

    # A restarted task knows nothing in memory; it reads the shared bucket
    # after a quarter burst and refuses from there.
    fleet.b.stop()
    fleet.b.start()
    on_new_b = admitted(fleet.b, ann.access_token, BURST)
    print(f"after B's restart: {on_new_b} admitted")
    assert on_new_b <= BURST // 2, on_new_b
    elapsed = time.monotonic() - started
    refill = int(elapsed * PER_MINUTE / 60) + 1
    total = on_a + on_b + on_c + on_new_b
    assert total <= 2 * BURST + refill, f"{total} calls in {elapsed:.1f} s"
