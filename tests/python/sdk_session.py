"""One signed-in person's MCP session through the official Python SDK, for
tests that call tools as several people: `ok` expects a result, `err` a
tool error, both return the text a model reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import Gateway
from oauth_flow import sign_in


class Session:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def raw(self, tool: str, /, **arguments: Any) -> tuple[bool, dict[str, Any], str]:
        result = await self.client.call_tool(tool, arguments)
        text = "".join(getattr(c, "text", "") or "" for c in result.content)
        return bool(result.is_error), result.structured_content or {}, text

    async def ok(self, tool: str, /, **arguments: Any) -> tuple[dict[str, Any], str]:
        failed, structured, text = await self.raw(tool, **arguments)
        assert not failed, f"{tool}({arguments}) failed: {text}"
        return structured, text

    async def err(self, tool: str, /, **arguments: Any) -> str:
        failed, _, text = await self.raw(tool, **arguments)
        assert failed, f"{tool}({arguments}) should fail, got: {text}"
        return text


@asynccontextmanager
async def session(gateway: Gateway, email: str) -> AsyncIterator[Session]:
    tokens = sign_in(gateway.base_url, login_hint=email)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=tokens.bearer) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            yield Session(client)
