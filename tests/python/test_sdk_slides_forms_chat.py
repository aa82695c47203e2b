"""Chat tools through the official MCP Python SDK against `mcp-gateway
demo`: the errors a model gets for unknown spaces and messages, and two
people of one domain who share its spaces and each keep their own direct
messages."""

from __future__ import annotations

import pytest

from gateway import Gateway
from sdk_session import session

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"


async def test_chat_errors_name_what_to_use(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice:
        for tool, extra in (("chat_read_messages", {}), ("chat_send", {"text": "hi"})):
            text = await alice.err(tool, space="spaces/NOSUCH", **extra)
            assert "space spaces/NOSUCH not found; use chat_list_spaces" in text, (tool, text)
        text = await alice.err("chat_reply", message="spaces/NOSUCH/messages/M1", text="hi")
        assert "spaces/NOSUCH/messages/M1 not found" in text and "chat_read_messages" in text, text
        text = await alice.err("chat_reply", message="M1", text="hi")
        assert "Invalid argument `message`" in text, text
        text = await alice.err("chat_send", text="hi")
        assert "exactly one of `space`" in text, text
        text = await alice.err("chat_send", text="hi", to="nobody@nowhere.example")
        assert "Cannot message nobody@nowhere.example" in text, text
        text = await alice.err("chat_send", text=" ", space="spaces/AAAA")
        assert "Invalid argument `text`" in text, text
        text = await alice.err("chat_read_messages", space="spaces/AAAA", max_results=101)
        assert "Invalid argument `max_results`" in text, text


async def test_chat_spaces_are_shared_in_the_domain_and_direct_messages_are_private(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        mine, _ = await alice.ok("chat_list_spaces")
        theirs, _ = await dana.ok("chat_list_spaces")
        launch = next(s["name"] for s in mine["spaces"] if s["title"] == "Q4 Launch")
        assert launch in {s["name"] for s in theirs["spaces"]}
        alice_dm = next(s["name"] for s in mine["spaces"] if s["kind"] == "direct_message")
        assert alice_dm not in {s["name"] for s in theirs["spaces"]}
        text = await dana.err("chat_read_messages", space=alice_dm)
        assert f"space {alice_dm} not found" in text, text
        text = await dana.err("chat_send", space=alice_dm, text="sneaky")
        assert f"space {alice_dm} not found" in text, text

        await alice.ok("chat_send", space=launch, text="Shared news from Alice")
        read, text = await dana.ok("chat_read_messages", space=launch, max_results=1)
        assert [m["text"] for m in read["messages"]] == ["Shared news from Alice"]
        assert read["messages"][0]["sender_email"] == ALICE and "Alice Example: Shared news" in text, text
        assert read["next_page_token"], "older messages are a page away"
        older, _ = await dana.ok("chat_read_messages", space=launch, max_results=1, page_token=read["next_page_token"])
        assert older["messages"][0]["name"] != read["messages"][0]["name"]

        # A direct message between the two: set up once, seen by both.
        sent, _ = await alice.ok("chat_send", to=DANA, text="Coffee?")
        again, _ = await alice.ok("chat_send", to=DANA, text="Or tea?")
        assert sent["space"] == again["space"]
        got, _ = await dana.ok("chat_read_messages", space=sent["space"])
        assert [m["text"] for m in got["messages"]] == ["Coffee?", "Or tea?"]
        answer, _ = await dana.ok("chat_send", to=ALICE, text="Tea!")
        assert answer["space"] == sent["space"]
