"""Gmail batch reads, filters, the vacation responder and send-as aliases,
Drive comments and revisions, Sheets formatting and Docs tables through the
official MCP Python SDK against `mcp-gateway demo`: the errors a model gets,
and two people of one domain who each see and change only their own."""

from __future__ import annotations

import pytest

from gateway import Gateway
from sdk_session import session

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"


async def test_gmail_batch_read_reports_missing_ids_and_bounds(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        found, _ = await alice.ok("gmail_search", query="in:inbox", max_results=3)
        ids = [m["id"] for m in found["messages"]]
        batch, text = await alice.ok("gmail_read_messages", message_ids=[*ids, "ffff0000ffff0000", ids[0]])
        assert [m["id"] for m in batch["messages"]] == ids
        assert batch["not_found"] == ["ffff0000ffff0000"]
        assert "Not found: ffff0000ffff0000" in text and f"--- 1 of {len(ids)}" in text, text
        text = await alice.err("gmail_read_messages", message_ids=[f"a{i}" for i in range(26)])
        assert "Invalid argument `message_ids`" in text and "1 to 25" in text, text
        text = await alice.err("gmail_read_messages", message_ids=["not/an-id"])
        assert "Invalid argument `message_ids`" in text, text
        # Alice's ids are not Dana's messages.
        text = await dana.err("gmail_read_messages", message_ids=ids)
        assert "gmail_search" in text, text


async def test_gmail_filters_errors_and_each_person_their_own(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        listed, text = await alice.ok("gmail_list_filters")
        seeded = listed["filters"][0]
        assert seeded["matches"] == "from:receipts@shop.example", seeded
        assert seeded["add_labels"] == ["Receipts"] and seeded["remove_labels"] == ["INBOX"], seeded
        assert "→ add Receipts; remove INBOX" in text, text

        text = await alice.err("gmail_create_filter", star=True)
        assert "Invalid argument `from`" in text and "criterion" in text, text
        text = await alice.err("gmail_create_filter", subject="x")
        assert "Invalid argument `add_labels`" in text and "action" in text, text
        text = await alice.err("gmail_create_filter", subject="x", add_labels=["No such label"])
        assert "gmail_list_labels" in text, text
        text = await alice.err("gmail_create_filter", subject="x", forward="me@evil.example")
        assert "forward" in text, text

        made, text = await alice.ok(
            "gmail_create_filter", query="invoice", has_attachment=True, add_labels=["Receipts"], mark_read=True
        )
        assert made["matches"] == "invoice has:attachment" and made["remove_labels"] == ["UNREAD"], made
        text = await alice.err(
            "gmail_create_filter", query="invoice", has_attachment=True, add_labels=["Receipts"], mark_read=True
        )
        assert "already exists" in text and made["id"] in text, text

        theirs, _ = await dana.ok("gmail_list_filters")
        assert made["id"] not in {f["id"] for f in theirs["filters"]}
        text = await dana.err("gmail_delete_filter", filter_id=made["id"])
        assert "gmail_list_filters" in text, text
        await alice.ok("gmail_delete_filter", filter_id=made["id"])
        text = await alice.err("gmail_delete_filter", filter_id=made["id"])
        assert f"no filter {made['id']}" in text, text
        text = await alice.err("gmail_delete_filter", filter_id="../x")
        assert "Invalid argument `filter_id`" in text, text


async def test_gmail_vacation_on_and_off_for_one_person_only(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        before, text = await alice.ok("gmail_get_vacation")
        assert before["enabled"] is False and before["subject"] == "Out of office", before
        assert "Vacation responder: off" in text, text
        text = await alice.err("gmail_set_vacation", enabled=True, end="2001-01-01")
        assert "Invalid argument `end`" in text and "past" in text, text
        text = await alice.err("gmail_set_vacation", enabled=True, start="2999-02-01", end="2999-01-01")
        assert "after start" in text, text
        text = await alice.err("gmail_set_vacation", enabled=True, start="next week")
        assert "Invalid argument `start`" in text, text

        on, text = await alice.ok(
            "gmail_set_vacation", enabled=True, body="Back on the 15th.", start="2999-07-01", end="2999-07-14",
            domain_only=True,
        )
        assert on["enabled"] and on["subject"] == "Out of office" and on["body"] == "Back on the 15th.", on
        assert on["start"] == "2999-07-01T00:00:00Z" and on["end"] == "2999-07-15T00:00:00Z", on
        assert on["domain_only"] and "Answers: the domain only" in text, text
        theirs, _ = await dana.ok("gmail_get_vacation")
        assert theirs["enabled"] is False, theirs

        off, _ = await alice.ok("gmail_set_vacation", enabled=False)
        assert not off["enabled"] and off["body"] == "Back on the 15th.", off


async def test_send_as_only_from_verified_addresses_of_the_sender(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice:
        sent, _ = await alice.ok(
            "gmail_send", to=["priya.shah@example.com"], subject="From the team", body="Hi", **{"from": "Team.Alice@example.com"}
        )
        message, _ = await alice.ok("gmail_read_message", message_id=sent["id"])
        assert "<team.alice@example.com>" in message["from"], message["from"]
        draft, _ = await alice.ok(
            "gmail_create_draft", to=["priya.shah@example.com"], subject="Draft", body="Hi", **{"from": "team.alice@example.com"}
        )
        message, _ = await alice.ok("gmail_read_message", message_id=draft["message_id"])
        assert "team.alice@example.com" in message["from"], message["from"]

        for wrong in ("alice@old-domain.example", "team.dana@example.com", "ceo@example.com"):
            text = await alice.err("gmail_send", to=["priya.shah@example.com"], subject="x", body="x", **{"from": wrong})
            assert "Invalid argument `from`" in text and "not one of your verified send-as addresses" in text, text
            assert "alice@example.com, team.alice@example.com" in text, text
        text = await alice.err("gmail_create_draft", to=["a@b.example"], subject="x", body="x", **{"from": "nobody"})
        assert "Invalid argument `from`" in text, text
