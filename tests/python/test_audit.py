"""The audit trail of a demo gateway, read back with `mcp-gateway audit`.

Alice and Dana make tool calls through the official MCP Python SDK; the
`audit` command, run against the same SQLite store, lists Alice's calls with
the tools and the Google object ids they touched, nothing of Dana's, and
neither the subject nor the body of the mail Alice sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import Gateway, gateway_binary
from oauth_flow import sign_in

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"
SUBJECT = "Audit probe: quarterly numbers"
BODY = "The confidential figure is 4711."


async def call(client: Client, tool: str, /, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool}: {result.content}"
    assert isinstance(result.structured_content, dict), tool
    return result.structured_content


async def as_user(gateway: Gateway, email: str, work) -> Any:
    tokens = sign_in(gateway.base_url, login_hint=email)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=tokens.bearer) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            return await work(client)


def audit(gateway: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    """`mcp-gateway audit ARGS` on the gateway's store (the Google client
    variables are required by every administration command, unused here)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(gateway.data_dir),
        "GOOGLE_CLIENT_ID": "demo.apps.googleusercontent.com",
        "GOOGLE_CLIENT_SECRET": "unused",
        "ALLOWED_DOMAIN": "example.com",
        "SESSION_SECRET": "x" * 48,
    }
    return subprocess.run(
        [str(gateway_binary()), "audit", *args],
        env=env,
        cwd=gateway.data_dir,
        capture_output=True,
        text=True,
        timeout=30,
    )


def events(gateway: Gateway, email: str, want: int) -> list[dict[str, Any]]:
    """Alice's events as JSON lines, once at least `want` tool calls are stored."""
    deadline = time.monotonic() + 10
    while True:
        done = audit(gateway, "--user", email, "--since", "1h", "--json")
        assert done.returncode == 0, done.stderr
        found = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if sum(1 for e in found if e["kind"] == "tool_call") >= want or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


async def test_the_audit_command_lists_one_users_tool_calls_and_object_ids(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")

    async def alice_works(client: Client) -> dict[str, str]:
        found = await call(client, "gmail_search", query="in:inbox", max_results=3)
        first = found["messages"][0]
        await call(client, "gmail_read_message", message_id=first["id"])
        files = await call(client, "drive_search", name="Offsite Plan")
        file_id = files["files"][0]["id"]
        await call(client, "drive_get_file", file_id=file_id)
        await call(client, "gmail_send", to=[DANA], subject=SUBJECT, body=BODY)
        return {"message": first["id"], "file": file_id}

    async def dana_works(client: Client) -> None:
        await call(client, "calendar_list_events")

    touched = await as_user(gateway, ALICE, alice_works)
    await as_user(gateway, DANA, dana_works)

    alice = events(gateway, ALICE, 5)
    calls = [e for e in alice if e["kind"] == "tool_call"]
    tools = [e["tool"] for e in calls]
    assert tools == ["gmail_send", "drive_get_file", "drive_search", "gmail_read_message", "gmail_search"], tools
    by_tool = {e["tool"]: e for e in calls}
    assert f"message:{touched['message']}" in by_tool["gmail_read_message"]["ids"], by_tool
    assert f"file:{touched['file']}" in by_tool["drive_get_file"]["ids"], by_tool
    assert any(i.startswith("message:") for i in by_tool["gmail_send"]["ids"]), by_tool["gmail_send"]
    assert all(e["outcome"] == "ok" and e["email"] == ALICE for e in calls), calls
    assert any(e["kind"] == "sign_in" for e in alice), alice
    assert "calendar_list_events" not in tools

    everything = audit(gateway, "--user", ALICE, "--since", "1h", "--json").stdout
    for secret in (SUBJECT, BODY, "4711"):
        assert secret not in everything, secret

    dana = events(gateway, DANA, 1)
    assert [e["tool"] for e in dana if e["kind"] == "tool_call"] == ["calendar_list_events"], dana

    table = audit(gateway, "--user", ALICE, "--limit", "2")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["TIME", "EVENT", "OUTCOME"], table.stdout
    assert len(lines) == 3 and "gmail_send" in lines[1], table.stdout

    unknown = audit(gateway, "--user", "nobody@example.com")
    assert unknown.returncode == 1 and "no user with the email nobody@example.com" in unknown.stderr, unknown
    bad = audit(gateway, "--user", ALICE, "--since", "last week")
    assert bad.returncode == 2 and "--since" in bad.stderr, bad

    # The log has the same events, one JSON object a line under the target `audit`.
    logged = [json.loads(line) for line in gateway.log_path.read_text().splitlines() if '"target":"audit"' in line]
    assert any(e.get("tool") == "gmail_send" and e.get("kind") == "tool_call" for e in logged), logged[-3:]
    assert not any(SUBJECT in json.dumps(e) for e in logged)
