"""One company policy for the whole fleet: three tasks read the same
`POLICY_FILE`, list the same tools for a person, and share the daily send
cap through DynamoDB (messages sent on A and B count on C). A change to the
file reaches every task without a restart. (Each rule on its own, through
the official SDK: tests/python/test_policy.py.)"""

from __future__ import annotations

import time
from pathlib import Path

from client import STATELESS_VERSION, call_tool, http_for, post, sign_in, tool_result
from conftest import MakeFleet

POLICY = """
[mail]
outbound = "internal_only"
daily_send_limit = {limit}

[[access]]
name = "everyone"
users = ["*"]
tools = "core"
"""


def tools_listed(task, token: str) -> set[str]:  # type: ignore[no-untyped-def]
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/list",
        "params": {
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
                "io.modelcontextprotocol/clientInfo": {"name": "multitask-tests", "version": "1.0.0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        },
    }
    with http_for(task, token) as http:
        reply = post(http, "/mcp", message, protocol_version=STATELESS_VERSION, headers={"Mcp-Method": "tools/list"})
        result = tool_result(reply, 1)
    assert result.get("cacheScope") in (None, "private"), result.get("cacheScope")
    return {t["name"] for t in result["tools"]}


def send(task, token: str, to: str) -> str | None:  # type: ignore[no-untyped-def]
    """None when sent, else the refusal's text."""
    with http_for(task, token) as http:
        result = tool_result(call_tool(http, "gmail_send", {"to": to, "subject": "Fleet probe", "body": "Hi."}))
    return result["content"][0]["text"] if result.get("isError") else None


def test_one_policy_and_one_daily_cap_for_every_task(make_fleet: MakeFleet, tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY.format(limit=3))
    fleet = make_fleet(POLICY_FILE=str(path), POLICY_RELOAD_SECONDS="1")
    ann = sign_in(fleet.a).access_token
    colleague = "colleague@example.com"

    listed = [tools_listed(task, ann) for task in (fleet.a, fleet.b, fleet.c)]
    assert listed[0] == listed[1] == listed[2], listed
    assert "gmail_send" in listed[0] and "gmail_trash" not in listed[0], sorted(listed[0])

    refused = send(fleet.b, ann, "someone@other.example")
    assert refused and "mail.outbound = internal_only" in refused, refused
    assert send(fleet.a, ann, colleague) is None
    assert send(fleet.a, ann, colleague) is None
    assert send(fleet.b, ann, colleague) is None
    for task in (fleet.c, fleet.a):
        refused = send(task, ann, colleague)
        assert refused and "mail.daily_send_limit = 3" in refused, (task.name, refused)

    # Raised in the file: every task applies it within a reload, no restart.
    path.write_text(POLICY.format(limit=5))
    started = time.monotonic()

    def answer_under_new_policy(task, sent_ok: bool) -> None:  # type: ignore[no-untyped-def]
        while True:
            refused = send(task, ann, colleague)
            if sent_ok and refused is None:
                return
            if not sent_ok and refused and "mail.daily_send_limit = 5" in refused:
                return
            assert refused and "mail.daily_send_limit = 3" in refused, (task.name, refused)
            assert time.monotonic() - started < 15, f"the change did not reach {task.name}"
            time.sleep(0.2)

    answer_under_new_policy(fleet.c, sent_ok=True)
    answer_under_new_policy(fleet.b, sent_ok=True)
    for task in (fleet.a, fleet.b, fleet.c):
        answer_under_new_policy(task, sent_ok=False)
    print(f"policy change applied on every task within {time.monotonic() - started:.1f} s")
