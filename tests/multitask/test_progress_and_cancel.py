"""Progress and cancellation through the official MCP Python SDK, with
Google slowed down by the recording front: `workspace_search` reports each
service as it answers, and a call the client cancels stops before its next
Google request (counted at the front). One task on SQLite: cancellation is
per call, not per fleet."""

from __future__ import annotations

import time

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from client import sign_in
from conftest import MakeFleet

pytestmark = pytest.mark.anyio

GMAIL_MESSAGES = "/gmail/v1/users/me/messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_search_reports_each_service_and_a_cancelled_call_stops(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(tasks=("A",), store="sqlite")
    front = fleet.google.front
    assert front is not None
    token = sign_in(fleet.a).access_token
    url = f"{fleet.a.local_url}/mcp"
    headers = {"Authorization": f"Bearer {token}", **fleet.a.host_header}

    front.delays.update({"/drive/": 0.2, "/calendar/": 0.5, GMAIL_MESSAGES: 0.8})
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=headers) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            seen: list[tuple[float, float | None, str | None]] = []

            async def progress(done: float, total: float | None, message: str | None) -> None:
                seen.append((done, total, message))

            three = {"query": "budget", "services": ["gmail", "drive", "calendar"]}
            result = await client.call_tool("workspace_search", three, progress_callback=progress)
            assert not result.is_error, result.content
            assert [(d, t) for d, t, _ in seen] == [(1, 3), (2, 3), (3, 3)], seen
            # Drive is the quickest here, Gmail the slowest.
            assert seen[0][2] == "drive answered" and seen[2][2] == "gmail answered", seen

            # A Doc read: once the file is known, once it is read.
            files = await client.call_tool("drive_search", {"name": "Q4 Roadmap"})
            assert not files.is_error, files.content
            doc = files.structured_content["files"][0]["id"]
            for tool, args in (("docs_read_document", {"document_id": doc}), ("drive_read_file", {"file_id": doc})):
                steps: list[tuple[float, float | None, str | None]] = []

                async def step(done: float, total: float | None, message: str | None) -> None:
                    steps.append((done, total, message))

                read = await client.call_tool(tool, args, progress_callback=step)
                assert not read.is_error, read.content
                assert [(d, t) for d, t, _ in steps] == [(1, 2), (2, 2)], (tool, steps)

            # Uncancelled, a Gmail search lists, then reads each message.
            started = time.monotonic()
            done = await client.call_tool("workspace_search", {"query": "budget", "services": ["gmail"]})
            assert not done.is_error
            reads = [p for p in front.arrived_after(started, GMAIL_MESSAGES) if p != GMAIL_MESSAGES]
            assert reads, "a Gmail search made no message reads"

            # Cancelled while the list is held at the front: no message is read after.
            front.delays[GMAIL_MESSAGES] = 1.5
            with anyio.move_on_after(0.5):
                await client.call_tool("workspace_search", {"query": "budget", "services": ["gmail"]})
            cancelled_at = time.monotonic()
            await anyio.sleep(2.5)
            after = [p for p in front.arrived_after(cancelled_at, GMAIL_MESSAGES) if p != GMAIL_MESSAGES]
            print(f"Google requests after the cancel: {len(after)} (an uncancelled call made {len(reads)} reads)")
            assert after == [], after
