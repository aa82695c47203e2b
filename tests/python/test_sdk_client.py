"""The official MCP Python SDK (2.x) client against /mcp, in each connection mode it offers.

`mcp.Client(..., mode=...)` selects the mode:
- "legacy": the initialize handshake at the SDK's newest handshake revision
  (2025-11-25), then every request carries Mcp-Session-Id.
- "auto" (the default): probes `server/discover` at 2026-07-28 and falls back to
  initialize only if the server does not speak the stateless revision. The
  gateway does, so the connection ends up stateless.
- "2026-07-28": adopts the stateless revision directly, with no probe and no
  handshake; every request carries its own `_meta` envelope.

Every request carries `Authorization: Bearer` with an access token from the
gateway's own OAuth flow (`oauth_flow.sign_in`, as alice@example.com), set on
the httpx2 client the SDK is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx2
import jsonschema
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import ALLOWED_USER, Gateway
from mcp_http import LATEST_LEGACY_VERSION, LEGACY_VERSIONS, STATELESS_VERSION

pytestmark = pytest.mark.anyio

EXPECTED_PROTOCOL = {"legacy": LATEST_LEGACY_VERSION, "auto": STATELESS_VERSION, STATELESS_VERSION: STATELESS_VERSION}


@dataclass
class Wire:
    """What the SDK put on the wire: JSON-RPC methods sent and session ids seen."""

    methods: list[str] = field(default_factory=list)
    session_ids_sent: set[str] = field(default_factory=set)
    session_ids_issued: set[str] = field(default_factory=set)
    http_methods: list[str] = field(default_factory=list)
    delete_statuses: list[int] = field(default_factory=list)
    unauthenticated: list[str] = field(default_factory=list)

    async def on_request(self, request: httpx2.Request) -> None:
        self.http_methods.append(request.method)
        if not request.headers.get("authorization", "").startswith("Bearer "):
            self.unauthenticated.append(f"{request.method} {request.url}")
        if sid := request.headers.get("mcp-session-id"):
            self.session_ids_sent.add(sid)
        if request.method == "POST":
            body = json.loads(request.content)
            for message in body if isinstance(body, list) else [body]:
                self.methods.append(message.get("method", "<response>"))

    async def on_response(self, response: httpx2.Response) -> None:
        if sid := response.headers.get("mcp-session-id"):
            self.session_ids_issued.add(sid)
        if response.request.method == "DELETE":
            self.delete_statuses.append(response.status_code)


async def exercise(gateway: Gateway, mode: str) -> Wire:
    wire = Wire()
    async with httpx2.AsyncClient(
        timeout=httpx2.Timeout(30.0, read=60.0),
        headers=gateway.bearer,
        event_hooks={"request": [wire.on_request], "response": [wire.on_response]},
    ) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http), mode=mode) as client:
            assert client.session.protocol_version == EXPECTED_PROTOCOL[mode]

            listed = await client.list_tools()
            tools = {tool.name: tool for tool in listed.tools}
            assert "server_info" in tools, f"tools/list returned {sorted(tools)}"
            tool = tools["server_info"]
            assert tool.annotations is not None and tool.annotations.read_only_hint is True
            assert tool.output_schema is not None

            result = await client.call_tool("server_info", {})
            assert result.is_error is not True
            check_server_info(gateway, result.structured_content, tool.output_schema)
            # Structured results also come as a compact text rendering for
            # clients (and models) that read only text.
            texts = [block.text for block in result.content if block.type == "text"]
            info = result.structured_content
            assert texts and info["version"] in texts[0] and info["mcp_url"] in texts[0], texts

            assert "whoami" in tools, f"tools/list returned {sorted(tools)}"
            me = await client.call_tool("whoami", {})
            assert me.is_error is not True, me.content
            check_whoami(gateway, me.structured_content)
    assert not wire.unauthenticated, f"requests without the bearer token: {wire.unauthenticated}"
    return wire


def check_server_info(gateway: Gateway, structured: dict[str, Any] | None, schema: dict[str, Any]) -> None:
    assert structured is not None, "server_info returned no structured content"
    jsonschema.validate(structured, schema)
    assert structured["name"] == "workspace-mcp-gateway"
    assert structured["version"]
    assert structured["mcp_url"] == gateway.mcp_url
    assert structured["allowed_domains"] == ["example.com"]
    assert set(structured["protocol_versions"]) >= {*LEGACY_VERSIONS, STATELESS_VERSION}


def check_whoami(gateway: Gateway, structured: dict[str, Any] | None) -> None:
    assert structured is not None, "whoami returned no structured content"
    assert structured["email"] == ALLOWED_USER
    assert structured["domain"] == "example.com"
    assert structured["client_id"] == gateway.tokens.client_id


async def test_legacy_mode_uses_a_session(gateway: Gateway) -> None:
    wire = await exercise(gateway, "legacy")
    assert wire.methods[0] == "initialize"
    assert "server/discover" not in wire.methods
    assert len(wire.session_ids_issued) == 1, "initialize must issue exactly one Mcp-Session-Id"
    assert wire.session_ids_sent == wire.session_ids_issued
    # Leaving the client context terminates the session.
    assert "DELETE" in wire.http_methods
    # The gateway answers 202; SDK 2.3.0 treats only 200/204 as success and logs
    # "Session termination failed: 202" at WARNING, although the session is gone.
    assert all(200 <= status < 300 for status in wire.delete_statuses), wire.delete_statuses


async def test_auto_mode_negotiates_the_stateless_revision(gateway: Gateway) -> None:
    wire = await exercise(gateway, "auto")
    assert wire.methods[0] == "server/discover"
    assert "initialize" not in wire.methods
    assert not wire.session_ids_issued and not wire.session_ids_sent


async def test_stateless_mode(gateway: Gateway) -> None:
    wire = await exercise(gateway, STATELESS_VERSION)
    assert "initialize" not in wire.methods and "server/discover" not in wire.methods
    assert wire.methods == ["tools/list", "tools/call", "tools/call"]
    assert not wire.session_ids_issued and not wire.session_ids_sent
