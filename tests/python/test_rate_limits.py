"""Per-user rate limits seen by the official MCP Python SDK: a tool call over
the limit comes back as a tool error naming when to retry (the session goes
on), a flood of requests gets HTTP 429 with Retry-After, and two people have
limits of their own."""

from __future__ import annotations

import re

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import StartGateway
from mcp_http import ACCEPT_BOTH
from oauth_flow import sign_in

pytestmark = pytest.mark.anyio


async def test_calls_over_the_limit_are_tool_errors_and_each_person_has_their_own(start_gateway: StartGateway) -> None:
    gateway = start_gateway(RATE_LIMIT_BURST=4, RATE_LIMIT_TOOL_CALLS_PER_MINUTE=12)
    dana = sign_in(gateway.base_url, login_hint="dana@example.com")
    async with (
        httpx2.AsyncClient(timeout=30.0, headers=gateway.bearer) as http,
        Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client,
    ):
        results = [await client.call_tool("whoami", {}) for _ in range(6)]
        errors = [r for r in results if r.is_error]
        assert [r.is_error is True for r in results] == [False] * 4 + [True] * 2, [r.content for r in results]
        text = errors[0].content[0].text
        match = re.search(r"Retry in (\d+) s", text)
        assert match and 1 <= int(match.group(1)) <= 5, text
        assert "12 tool calls a minute (4 at once)" in text
        # The session is intact: listing tools still works, and so does a
        # call once a token has come back (one every 5 s here).
        assert (await client.list_tools()).tools
        async with httpx2.AsyncClient(timeout=30.0, headers=dana.bearer) as other:
            async with Client(streamable_http_client(gateway.mcp_url, http_client=other)) as second:
                me = await second.call_tool("whoami", {})
                assert me.is_error is not True, me.content
                assert me.structured_content["email"] == "dana@example.com"


def test_a_request_flood_gets_429_with_retry_after(start_gateway: StartGateway) -> None:
    gateway = start_gateway(RATE_LIMIT_REQUEST_BURST=10, RATE_LIMIT_REQUESTS_PER_MINUTE=60)
    headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json", **gateway.bearer}
    statuses = []
    with httpx.Client(timeout=10.0) as http:
        for i in range(15):
            body = {"jsonrpc": "2.0", "id": i, "method": "ping"}
            reply = http.post(gateway.mcp_url, json=body, headers=headers)
            statuses.append(reply.status_code)
            if reply.status_code == 429:
                assert reply.headers["retry-after"] == "1", reply.headers
                assert "retry in 1 s" in reply.json()["error"]["message"]
    assert statuses[:10] == [200] * 10 and 429 in statuses[10:], statuses
