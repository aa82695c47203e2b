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


async def test_drive_comments_errors_resolution_and_each_person_their_own(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        found, _ = await alice.ok("drive_search", name="Meeting Notes")
        notes = found["files"][0]["id"]
        listed, text = await alice.ok("drive_list_comments", file_id=notes)
        assert [c["content"] for c in listed["comments"]] == ["Can we add the latency numbers from last week?"]
        assert listed["resolved_hidden"] == 1 and "include_resolved" in text, text
        assert listed["comments"][0]["replies"][0]["content"] == "I'll paste them in before Friday."
        everything, text = await alice.ok("drive_list_comments", file_id=notes, include_resolved=True)
        assert len(everything["comments"]) == 2 and "[resolved]" in text, text

        text = await alice.err("drive_add_comment", file_id=notes, content="  ")
        assert "Invalid argument `content`" in text, text
        text = await alice.err("drive_add_comment", file_id=notes, content="x" * 4001)
        assert "4000" in text, text
        text = await alice.err("drive_add_comment", file_id="nosuchfile123", content="Hi")
        assert "was not found" in text and "drive_search" in text, text
        text = await alice.err("drive_reply_comment", file_id=notes, comment_id="nosuch", content="Hi")
        assert "No comment nosuch" in text and "drive_list_comments" in text, text
        text = await alice.err("drive_resolve_comment", file_id=notes, comment_id="../x")
        assert "Invalid argument `comment_id`" in text, text

        posted, text = await alice.ok("drive_add_comment", file_id=notes, content="Ship it?", quoted_text="Next meeting")
        comment = posted["comment"]
        assert comment["quoted"] == "Next meeting" and not comment["resolved"] and "Comment added" in text, text
        replied, _ = await alice.ok("drive_reply_comment", file_id=notes, comment_id=comment["id"], content="Yes")
        assert replied["reply"]["content"] == "Yes" and not replied["resolved"]
        resolved, text = await alice.ok(
            "drive_resolve_comment", file_id=notes, comment_id=comment["id"], content="Shipped"
        )
        assert resolved["resolved"] and resolved["reply"]["action"] == "resolve", resolved
        again, text = await alice.ok("drive_resolve_comment", file_id=notes, comment_id=comment["id"])
        assert "already resolved" in text, text
        after, _ = await alice.ok("drive_list_comments", file_id=notes, include_resolved=True)
        mine = next(c for c in after["comments"] if c["id"] == comment["id"])
        assert [r["content"] for r in mine["replies"]] == ["Yes", "Shipped"], mine

        # Dana's Meeting Notes is her own file; Alice's file id is not hers.
        text = await dana.err("drive_list_comments", file_id=notes)
        assert "was not found" in text, text
        theirs, _ = await dana.ok("drive_search", name="Meeting Notes")
        dana_notes, _ = await dana.ok("drive_list_comments", file_id=theirs["files"][0]["id"], include_resolved=True)
        assert comment["id"] not in {c["id"] for c in dana_notes["comments"]}


async def test_drive_revisions_read_older_docs_and_text_files(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        found, _ = await alice.ok("drive_search", name="Meeting Notes")
        notes = found["files"][0]["id"]
        listed, text = await alice.ok("drive_list_revisions", file_id=notes)
        assert [r["current"] for r in listed["revisions"]] == [True, False], listed
        assert "(current)" in text and "newest first" in text, text
        older = listed["revisions"][1]
        old, text = await alice.ok("drive_read_revision", file_id=notes, revision_id=older["id"])
        assert old["format"] == "markdown" and "First draft: agenda to be decided" in old["text"], old
        assert "Agree on the API surface" not in old["text"]
        now, _ = await alice.ok("drive_read_revision", file_id=notes, revision_id=listed["revisions"][0]["id"])
        assert "Agree on the API surface" in now["text"], now

        txt = (await alice.ok("drive_search", name="notes.txt"))[0]["files"][0]["id"]
        revisions, _ = await alice.ok("drive_list_revisions", file_id=txt)
        first, _ = await alice.ok("drive_read_revision", file_id=txt, revision_id=revisions["revisions"][-1]["id"])
        assert first["format"] == "text" and first["text"] == "Buy milk.\n", first

        text = await alice.err("drive_read_revision", file_id=notes, revision_id="99")
        assert "No revision 99" in text and "drive_list_revisions" in text, text
        text = await alice.err("drive_read_revision", file_id=notes, revision_id="a/b")
        assert "Invalid argument `revision_id`" in text, text
        png = (await alice.ok("drive_search", name="logo.png"))[0]["files"][0]["id"]
        png_revisions, _ = await alice.ok("drive_list_revisions", file_id=png)
        text = await alice.err("drive_read_revision", file_id=png, revision_id=png_revisions["revisions"][0]["id"])
        assert "only revisions of Google Docs and text files" in text, text
        text = await dana.err("drive_list_revisions", file_id=notes)
        assert "was not found" in text, text


async def test_sheets_formatting_errors_and_each_person_their_own(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        book, _ = await alice.ok("sheets_create", title="Formatting", sheets=["Costs"], header=["Item", "Amount", "Tax"])
        book_id = book["spreadsheet_id"]
        await alice.ok("sheets_write_range", spreadsheet_id=book_id, range="Costs!A2", values=[["Rent", 1200, 100], ["Food", 300, 20]])

        done, text = await alice.ok(
            "sheets_format", spreadsheet_id=book_id, range="Costs!B2:C3", number_format="#,##0.00", align="right", italic=True
        )
        assert done["changes"] == ["italic", "number format #,##0.00", "aligned right"], done
        assert "Formatted Costs!B2:C3" in text, text
        text = await alice.err("sheets_format", spreadsheet_id=book_id, range="Costs!A1")
        assert "Invalid argument `bold`" in text and "nothing to format" in text, text
        text = await alice.err("sheets_format", spreadsheet_id=book_id, range="Costs!A1", background_color="yellow")
        assert "Invalid argument `background_color`" in text and "#RRGGBB" in text, text
        text = await alice.err("sheets_format", spreadsheet_id=book_id, range="Nope!A1", bold=True)
        assert "no sheet" in text and "Costs" in text, text

        frozen, _ = await alice.ok("sheets_freeze", spreadsheet_id=book_id, rows=1, columns=1)
        assert frozen["changes"] == ["1 row(s) frozen", "1 column(s) frozen"], frozen
        info, _ = await alice.ok("sheets_get_info", spreadsheet_id=book_id)
        assert info["sheets"][0]["frozen_rows"] == 1, info
        text = await alice.err("sheets_freeze", spreadsheet_id=book_id)
        assert "Invalid argument `rows`" in text, text
        text = await alice.err("sheets_freeze", spreadsheet_id=book_id, rows=5000)
        assert "freeze fewer" in text, text

        chart, text = await alice.ok(
            "sheets_add_chart", spreadsheet_id=book_id, range="Costs!A1:C3", chart_type="bar", title="Spend", anchor_cell="E2"
        )
        assert chart["chart_id"] > 0 and "bar chart added" in text, text
        pie, _ = await alice.ok("sheets_add_chart", spreadsheet_id=book_id, range="Costs!A1:B3", chart_type="pie")
        assert pie["chart_id"] != chart["chart_id"]
        text = await alice.err("sheets_add_chart", spreadsheet_id=book_id, range="Costs!B1:B3", chart_type="line")
        assert "two columns" in text, text
        text = await alice.err("sheets_add_chart", spreadsheet_id=book_id, range="Costs!A1:B3", chart_type="donut")
        assert "unknown variant `donut`" in text and "`pie`" in text, text

        rule, _ = await alice.ok(
            "sheets_add_conditional_format", spreadsheet_id=book_id, range="Costs!B2:B3",
            condition="number_between", values=["100", "500"], background_color="#D9EAD3", bold=True,
        )
        assert rule["changes"] == ["number_between 100 and 500"], rule
        scale, _ = await alice.ok(
            "sheets_add_conditional_format", spreadsheet_id=book_id, range="Costs!C2:C3", min_color="#FFFFFF", max_color="#E67C73"
        )
        assert scale["changes"] == ["color scale #FFFFFF to #E67C73"], scale
        text = await alice.err(
            "sheets_add_conditional_format", spreadsheet_id=book_id, range="Costs!B2:B3", condition="number_greater", values=["lots"],
            background_color="#D9EAD3",
        )
        assert "Invalid argument `values`" in text and "not a number" in text, text
        text = await alice.err("sheets_add_conditional_format", spreadsheet_id=book_id, range="Costs!B2:B3")
        assert "Invalid argument `condition`" in text, text

        # Dana cannot format Alice's spreadsheet: it is not hers.
        text = await dana.err("sheets_format", spreadsheet_id=book_id, range="Costs!A1", bold=True)
        assert "was not found" in text, text
        text = await dana.err("sheets_add_chart", spreadsheet_id=book_id, range="Costs!A1:B3", chart_type="pie")
        assert "was not found" in text, text
