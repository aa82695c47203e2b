"""Slides, Forms and Chat tools through the official MCP Python SDK against
`mcp-gateway demo`: the errors a model gets for unknown decks, forms, spaces
and messages, decks and forms each person alone sees, and two people of one domain who
share its spaces and each keep their own direct messages."""

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


async def test_forms_errors_name_what_to_use(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice:
        for tool in ("forms_read", "forms_list_responses"):
            text = await alice.err(tool, form_id="nosuchform")
            assert "form nosuchform not found" in text and "drive_search" in text, (tool, text)
        text = await alice.err("forms_read", form_id="no such form")
        assert "Invalid argument `form_id`" in text, text
        bad = [
            ({"title": "Pick", "kind": "multiple_choice"}, "needs non-empty options"),
            ({"title": "Pick", "kind": "checkbox", "options": ["a", "a"]}, "given twice"),
            ({"title": "Rate", "kind": "scale", "high": 11}, "low 0 or 1 to high 2-10"),
            ({"title": "Name", "kind": "text", "options": ["x"]}, "only for multiple_choice"),
            ({"title": " ", "kind": "text"}, "title must not be empty"),
        ]
        for question, why in bad:
            text = await alice.err("forms_create", title="Bad", questions=[{"title": "ok", "kind": "text"}, question])
            assert "questions[1]" in text and why in text, (question, text)
        text = await alice.err("forms_list_responses", form_id="x", max_results=101)
        assert "Invalid argument `max_results`" in text, text


async def test_forms_are_their_owners_alone(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        made, text = await alice.ok(
            "forms_create", title="Alice's poll", questions=[{"title": "Tea or coffee?", "kind": "multiple_choice",
                                                              "options": ["Tea", "Coffee"]}]
        )
        assert made["questions"][0]["question_id"] and "Tea | Coffee" in text, text
        read, _ = await alice.ok("forms_read", form_id=made["form_id"])
        assert read["questions"] == made["questions"]
        empty, text = await alice.ok("forms_list_responses", form_id=made["form_id"])
        assert empty["responses"] == [] and "No responses" in text, text
        text = await dana.err("forms_read", form_id=made["form_id"])
        assert f"form {made['form_id']} not found" in text, text
        text = await dana.err("forms_list_responses", form_id=made["form_id"])
        assert "not found" in text, text

        mine = (await alice.ok("drive_search", name="Team Offsite Survey"))[0]["files"][0]["id"]
        theirs = (await dana.ok("drive_search", name="Team Offsite Survey"))[0]["files"][0]["id"]
        assert mine != theirs
        page, text = await dana.ok("forms_list_responses", form_id=theirs, max_results=2)
        assert len(page["responses"]) == 2 and page["next_page_token"], page
        first = page["responses"][0]
        assert set(first["answers"]) == {
            "Your name", "Where should we go?", "Which activities interest you?", "How was last year's offsite?"
        }
        assert text.index("Your name:") < text.index("Where should we go?:"), "answers in form order"
        rest, _ = await dana.ok("forms_list_responses", form_id=theirs, page_token=page["next_page_token"])
        assert len(rest["responses"]) == 1 and rest["next_page_token"] is None
        text = await dana.err("forms_list_responses", form_id=mine)
        assert f"form {mine} not found" in text, text


async def test_slides_read_names_what_to_use_and_decks_are_their_owners_alone(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        text = await alice.err("slides_read", presentation_id="nosuchdeck")
        assert "presentation nosuchdeck not found" in text and "drive_search" in text, text
        text = await alice.err("slides_read", presentation_id="a b")
        assert "Invalid argument `presentation_id`" in text, text
        mine = (await alice.ok("drive_search", type="presentation"))[0]["files"][0]["id"]
        text = await alice.err("slides_read", presentation_id=mine, slides=[4])
        assert "slide 4 does not exist: the deck has 3 slides" in text, text
        deck, text = await alice.ok("slides_read", presentation_id=mine)
        first = deck["slides"][0]
        assert [e["kind"] for e in first["elements"]] == ["centered_title", "subtitle"]
        assert first["elements"][0]["text"] == "Atlas Kickoff" and first["notes_object_id"]
        assert f"[centered_title {first['elements'][0]['object_id']}] Atlas Kickoff" in text, text
        text = await dana.err("slides_read", presentation_id=mine)
        assert f"presentation {mine} not found" in text, text
