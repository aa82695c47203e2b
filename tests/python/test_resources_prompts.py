"""MCP resources, resource templates, prompts and completions through the
official MCP Python SDK against the demo: Alice lists her recent Drive files
as resources and reads a Doc as Markdown, a Sheet as CSV, a Gmail thread and
a Calendar event by URI; completions find ids by name; the four prompts read
what they start from. Another person's file and an unknown scheme are
resource-not-found errors, never content."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference

from gateway import Gateway
from oauth_flow import sign_in

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"


async def as_person(gateway: Gateway, email: str, work) -> Any:
    tokens = sign_in(gateway.base_url, login_hint=email)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=tokens.bearer) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            return await work(client)


async def file_id(client: Client, name: str) -> str:
    found = await client.call_tool("drive_search", {"name": name})
    assert not found.is_error, found.content
    return next(f["id"] for f in found.structured_content["files"] if f["name"] == name)


def text_of(result) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    content = result.contents[0]
    return content.text, content.mime_type


async def test_resources_list_read_and_complete(gateway: Gateway) -> None:
    async def dana_private(client: Client) -> str:
        return await file_id(client, "Q4 Roadmap")

    danas_roadmap = await as_person(gateway, DANA, dana_private)

    async def work(client: Client) -> None:
        listed = await client.list_resources()
        uris = [r.uri for r in listed.resources]
        assert uris and all(u.startswith("gdrive:///") for u in uris), uris
        roadmap = await file_id(client, "Q4 Roadmap")
        assert f"gdrive:///{roadmap}" in uris
        names = [r.name for r in listed.resources]
        assert "Q4 Roadmap" in names

        templates = await client.list_resource_templates()
        assert {t.uri_template for t in templates.resource_templates} == {
            "gdrive:///{file_id}", "gmail:///threads/{thread_id}", "gcal:///events/{event_id}"}

        text, mime = text_of(await client.read_resource(f"gdrive:///{roadmap}"))
        assert mime == "text/markdown" and "\n# " in text, (mime, text[:200])
        budget = await file_id(client, "Q4 Budget")
        text, mime = text_of(await client.read_resource(f"gdrive:///{budget}"))
        assert mime == "text/csv" and "Category" in text, (mime, text[:200])

        mail = await client.call_tool("gmail_search", {"query": "subject:budget"})
        thread = mail.structured_content["messages"][0]["thread_id"]
        text, _ = text_of(await client.read_resource(f"gmail:///threads/{thread}"))
        assert "budget" in text.lower(), text[:300]
        events = await client.call_tool("workspace_search", {"query": "budget", "services": ["calendar"]})
        event = events.structured_content["hits"][0]["id"]
        text, _ = text_of(await client.read_resource(f"gcal:///events/{event}"))
        assert "Q3 budget review" in text, text[:300]

        for uri in (f"gdrive:///{danas_roadmap}", "file:///etc/passwd", "gdrive:///../../x", "gmail:///threads/nope"):
            with pytest.raises(MCPError) as refused:
                await client.read_resource(uri)
            # -32602 with "Resource not found" (the current revision; -32002 before).
            assert refused.value.error.code in (-32602, -32002), (uri, refused.value.error)
            assert refused.value.error.message.startswith("Resource not found"), refused.value.error
        assert danas_roadmap != roadmap

        done = await client.complete(ResourceTemplateReference(type="ref/resource", uri="gdrive:///{file_id}"),
                                     {"name": "file_id", "value": "Roadmap"})
        assert roadmap in done.completion.values, done
        done = await client.complete(ResourceTemplateReference(type="ref/resource", uri="gmail:///threads/{thread_id}"),
                                     {"name": "thread_id", "value": "budget"})
        assert thread in done.completion.values, done

    await as_person(gateway, ALICE, work)


async def test_prompts_read_what_they_start_from(gateway: Gateway) -> None:
    async def work(client: Client) -> None:
        listed = await client.list_prompts()
        assert [p.name for p in listed.prompts] == [
            "prepare_meeting", "summarize_unread", "draft_reply", "weekly_status"]

        mail = await client.call_tool("gmail_search", {"query": "subject:budget"})
        thread = mail.structured_content["messages"][0]["thread_id"]
        reply = await client.get_prompt("draft_reply", {"thread_id": thread})
        text = reply.messages[0].content.text
        assert "gmail_create_draft" in text and "budget" in text.lower(), text[:400]
        assert reply.description.startswith("Reply to"), reply.description

        meeting = await client.get_prompt("prepare_meeting", {})
        text = meeting.messages[0].content.text
        assert "workspace_search" in text and "attendee" in text.lower(), text[:400]

        unread = await client.get_prompt("summarize_unread", {"since": "30d"})
        assert "is:unread after:" in unread.messages[0].content.text
        status = await client.get_prompt("weekly_status", {})
        assert "in:sent after:" in status.messages[0].content.text

        with pytest.raises(MCPError) as refused:
            await client.get_prompt("draft_reply", {})
        assert "thread_id" in refused.value.error.message
        with pytest.raises(MCPError):
            await client.get_prompt("summarize_unread", {"since": "forever"})
        with pytest.raises(MCPError):
            await client.get_prompt("no_such_prompt", {})

        since = await client.complete(PromptReference(type="ref/prompt", name="summarize_unread"),
                                      {"name": "since", "value": "1"})
        assert since.completion.values == ["1d", "14d"], since
        threads = await client.complete(PromptReference(type="ref/prompt", name="draft_reply"),
                                        {"name": "thread_id", "value": "budget"})
        assert thread in threads.completion.values, threads

    await as_person(gateway, ALICE, work)
