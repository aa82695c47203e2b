"""Confirmation before irreversible or outward actions, through the official
MCP Python SDK against the demo. A client with an elicitation callback (it
speaks 2026-07-28, where a tool call may answer "input required") is asked:
sending mail, sharing outside the company, deleting an event with guests and
trashing more than ten messages wait for the person's answer; a decline
changes nothing. A client without one is not asked: the action goes on with
a note, or with REQUIRE_CONFIRMATION=true is refused until the call carries
`confirm: true`."""

from __future__ import annotations

from typing import Any

import httpx2
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import Gateway, StartGateway

pytestmark = pytest.mark.anyio

DANA = "dana@example.com"


class Person:
    """Answers every confirmation with `answer` and remembers the questions."""

    def __init__(self, answer: str = "accept") -> None:
        self.answer = answer
        self.questions: list[str] = []

    async def __call__(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.questions.append(params.message)
        if self.answer == "accept":
            return types.ElicitResult(action="accept", content={"confirm": True})
        return types.ElicitResult(action=self.answer)


async def session(gateway: Gateway, work, person: Person | None = None) -> Any:
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=gateway.bearer) as http:
        client = Client(streamable_http_client(gateway.mcp_url, http_client=http), elicitation_callback=person) \
            if person else Client(streamable_http_client(gateway.mcp_url, http_client=http))
        async with client:
            return await work(client)


def mail(subject: str, **extra: Any) -> dict[str, Any]:
    return {"to": [DANA], "subject": subject, "body": "Hello.", **extra}


async def sent_with(client: Client, subject: str) -> int:
    found = await client.call_tool("gmail_search", {"query": f'in:sent subject:"{subject}"'})
    return len(found.structured_content["messages"])


async def test_the_person_is_asked_and_a_decline_changes_nothing(start_gateway: StartGateway) -> None:
    gateway = start_gateway(TOOLS="all")
    yes, no = Person("accept"), Person("decline")

    async def accepted(client: Client) -> None:
        sent = await client.call_tool("gmail_send", mail("Confirmed send"))
        assert not sent.is_error, sent.content
        assert "without asking" not in sent.content[0].text
        assert await sent_with(client, "Confirmed send") == 1

        files = (await client.call_tool("drive_search", {"name": "Offsite Plan"})).structured_content["files"]
        shared = await client.call_tool("drive_share", {"file_id": files[0]["id"], "email": "guest@other.example"})
        assert not shared.is_error, shared.content
        inside = await client.call_tool("drive_share", {"file_id": files[0]["id"], "email": "erin@example.com"})
        assert not inside.is_error, inside.content

        event = {"summary": "Confirm probe", "start": "2031-05-06T10:00:00Z", "end": "2031-05-06T11:00:00Z"}
        created = await client.call_tool("calendar_create_event", {**event, "attendees": [DANA]})
        deleted = await client.call_tool("calendar_delete_event", {"event_id": created.structured_content["id"]})
        assert not deleted.is_error, deleted.content

        many = await client.call_tool("gmail_search", {"query": "in:anywhere", "max_results": 11})
        ids = [m["id"] for m in many.structured_content["messages"]]
        assert len(ids) == 11, ids
        trashed = await client.call_tool("gmail_trash", {"message_ids": ids})
        assert not trashed.is_error, trashed.content
        # Ten or fewer: not asked.
        await client.call_tool("gmail_trash", {"message_ids": ids[:2]})

    await session(gateway, accepted, yes)
    assert len(yes.questions) == 4, yes.questions
    assert yes.questions[0] == f'Send "Confirmed send" to {DANA}?', yes.questions
    assert "guest@other.example" in yes.questions[1] and "outside example.com" in yes.questions[1], yes.questions
    assert 'Delete "Confirm probe", which has 1 guest(s)?' == yes.questions[2], yes.questions
    assert yes.questions[3] == "Move 11 messages to the trash?", yes.questions

    async def declined(client: Client) -> None:
        refused = await client.call_tool("gmail_send", mail("Declined send", confirm=True))
        assert refused.is_error and "the person declined" in refused.content[0].text, refused.content
        assert await sent_with(client, "Declined send") == 0

    await session(gateway, declined, no)
    assert no.questions == [f'Send "Declined send" to {DANA}?'], no.questions


async def test_a_client_that_cannot_ask_acts_with_a_note_or_needs_confirm_true(start_gateway: StartGateway) -> None:
    plain = start_gateway()

    async def noted(client: Client) -> None:
        sent = await client.call_tool("gmail_send", mail("Unasked send"))
        assert not sent.is_error, sent.content
        assert "Done without asking the person" in sent.content[0].text, sent.content

    await session(plain, noted)

    strict = start_gateway(REQUIRE_CONFIRMATION="true")

    async def required(client: Client) -> None:
        refused = await client.call_tool("gmail_send", mail("Strict send"))
        assert refused.is_error and "confirm: true" in refused.content[0].text, refused.content
        assert await sent_with(client, "Strict send") == 0
        sent = await client.call_tool("gmail_send", mail("Strict send", confirm=True))
        assert not sent.is_error, sent.content
        assert "without asking" not in sent.content[0].text
        assert await sent_with(client, "Strict send") == 1

    await session(strict, required)
