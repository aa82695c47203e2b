"""Raw Streamable HTTP helpers for tests that need to see status codes and headers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

LEGACY_VERSIONS = ("2025-03-26", "2025-06-18", "2025-11-25")
LATEST_LEGACY_VERSION = LEGACY_VERSIONS[-1]
STATELESS_VERSION = "2026-07-28"
ACCEPT_BOTH = "application/json, text/event-stream"
SESSION_HEADER = "Mcp-Session-Id"
VERSION_HEADER = "MCP-Protocol-Version"


@dataclass
class RpcReply:
    response: httpx.Response
    messages: list[dict[str, Any]]

    @property
    def status(self) -> int:
        return self.response.status_code

    def result_for(self, request_id: int | str) -> dict[str, Any]:
        for message in self.messages:
            if message.get("id") == request_id and "result" in message:
                return message["result"]
        raise AssertionError(f"no result for id {request_id!r}: {self.response.status_code} {self.response.text[:500]}")


def parse_messages(response: httpx.Response) -> list[dict[str, Any]]:
    """JSON-RPC messages in a JSON or SSE body (SSE events without data are skipped)."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = response.json()
        return body if isinstance(body, list) else [body]
    if content_type.startswith("text/event-stream"):
        messages = []
        for event in response.text.split("\n\n"):
            data = "\n".join(
                line[len("data:") :].lstrip(" ") for line in event.splitlines() if line.startswith("data:")
            )
            if data.strip():
                messages.append(json.loads(data))
        return messages
    return []


def post(
    client: httpx.Client,
    url: str,
    message: dict[str, Any] | bytes,
    *,
    session_id: str | None = None,
    protocol_version: str | None = None,
    headers: dict[str, str] | None = None,
) -> RpcReply:
    request_headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json"}
    if session_id is not None:
        request_headers[SESSION_HEADER] = session_id
    if protocol_version is not None:
        request_headers[VERSION_HEADER] = protocol_version
    request_headers.update(headers or {})
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    response = client.post(url, content=body, headers=request_headers)
    return RpcReply(response, parse_messages(response))


def initialize_message(protocol_version: str = LATEST_LEGACY_VERSION, request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": protocol_version,
            "capabilities": {},
            "clientInfo": {"name": "gateway-python-tests", "version": "1.0.0"},
        },
    }


def open_session(client: httpx.Client, url: str, protocol_version: str = LATEST_LEGACY_VERSION) -> str:
    """initialize + notifications/initialized; returns the Mcp-Session-Id."""
    reply = post(client, url, initialize_message(protocol_version))
    assert reply.status == 200, reply.response.text
    result = reply.result_for(1)
    assert result["protocolVersion"] == protocol_version
    session_id = reply.response.headers.get(SESSION_HEADER)
    assert session_id, f"no {SESSION_HEADER} header on the initialize response"
    notified = post(
        client,
        url,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        session_id=session_id,
        protocol_version=protocol_version,
    )
    assert notified.status == 202, notified.response.text
    return session_id


def tools_list(
    client: httpx.Client,
    url: str,
    session_id: str,
    protocol_version: str = LATEST_LEGACY_VERSION,
    request_id: int = 2,
) -> RpcReply:
    return post(
        client,
        url,
        {"jsonrpc": "2.0", "id": request_id, "method": "tools/list"},
        session_id=session_id,
        protocol_version=protocol_version,
    )


def call_tool(
    client: httpx.Client,
    url: str,
    session_id: str,
    name: str,
    arguments: dict[str, Any],
    protocol_version: str = LATEST_LEGACY_VERSION,
    request_id: int = 3,
) -> dict[str, Any]:
    """tools/call in a session; returns the result (raises on a protocol error)."""
    reply = post(
        client,
        url,
        {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": {"name": name, "arguments": arguments}},
        session_id=session_id,
        protocol_version=protocol_version,
    )
    assert reply.status == 200, reply.response.text
    return reply.result_for(request_id)
