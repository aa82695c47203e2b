"""Every Workspace tool through the official MCP Python SDK against `mcp-gateway demo`.

The demo serves alice@example.com's seeded mailbox, calendars, Drive, task
lists and contacts from its
built-in fake Google; the SDK connects with a token from the gateway's own
OAuth flow and calls each tool as a model would, checking that results carry
structured content that validates against the tool's output schema and a
text rendering that is not a raw JSON dump.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx2
import jsonschema
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import Gateway

pytestmark = pytest.mark.anyio


class Tools:
    def __init__(self, client: Client, schemas: dict[str, Any]) -> None:
        self.client = client
        self.schemas = schemas
        self.called: set[str] = set()

    async def call(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        text = "".join(getattr(c, "text", "") or "" for c in result.content)
        assert not result.is_error, f"{tool}({arguments}) failed: {text}"
        structured = result.structured_content
        assert isinstance(structured, dict), f"{tool}: no structured content"
        if self.schemas.get(tool):
            jsonschema.validate(structured, self.schemas[tool])
        assert text.strip(), f"{tool}: empty text"
        try:
            json.loads(text)
            raise AssertionError(f"{tool}: the text rendering is a raw JSON dump")
        except json.JSONDecodeError:
            pass
        self.called.add(tool)
        return structured


async def test_every_tool_through_the_python_sdk(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=gateway.bearer) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            listed = await client.list_tools()
            schemas = {t.name: t.output_schema for t in listed.tools}
            names = set(schemas)
            tools = Tools(client, schemas)

            # Gateway
            me = await tools.call("whoami")
            assert me["email"] == "alice@example.com"
            await tools.call("server_info")
            across = await tools.call("workspace_search", query="budget")
            assert {h["service"] for h in across["hits"]} == {"gmail", "drive", "calendar"}, across

            # Gmail: read
            found = await tools.call("gmail_search", query="in:inbox", max_results=5)
            assert found["messages"], "the seeded inbox is empty"
            first = found["messages"][0]
            await tools.call("gmail_read_message", message_id=first["id"])
            thread = await tools.call("gmail_read_thread", thread_id=first["thread_id"])
            assert thread["messages"]
            with_files = await tools.call("gmail_search", query="has:attachment", max_results=5)
            attachment = None
            for row in with_files["messages"]:
                message = await tools.call("gmail_read_message", message_id=row["id"])
                if message["attachments"]:
                    attachment = (row["id"], message["attachments"][0]["attachment_id"])
                    break
            assert attachment, "no seeded message with an attachment"
            await tools.call("gmail_get_attachment", message_id=attachment[0], attachment_id=attachment[1])
            labels = await tools.call("gmail_list_labels")
            assert any(label["id"] == "INBOX" for label in labels["labels"])
            batch = await tools.call("gmail_read_messages", message_ids=[r["id"] for r in found["messages"]])
            assert len(batch["messages"]) == len(found["messages"])

            # Gmail: settings
            filters = await tools.call("gmail_list_filters")
            assert filters["filters"], "no seeded filters"
            made = await tools.call("gmail_create_filter", subject="SDK tour", add_labels=["Receipts"], archive=True)
            await tools.call("gmail_delete_filter", filter_id=made["id"])
            vacation = await tools.call("gmail_get_vacation")
            assert vacation["enabled"] is False
            await tools.call("gmail_set_vacation", enabled=True, subject="Away", body="Back soon", end="2999-01-01")

            # Gmail: write
            await tools.call("gmail_modify_labels", message_ids=[first["id"]], star=True)
            await tools.call(
                "gmail_create_draft", to=["bob@example.com"], subject="Draft from the SDK", body="Hello"
            )
            sent = await tools.call(
                "gmail_send",
                to=["alice@example.com"],
                subject="Grüße from the SDK",
                body="**Hello** from a test.",
                body_format="markdown",
                **{"from": "team.alice@example.com"},
            )
            await tools.call("gmail_trash", message_ids=[sent["id"]])

            # Calendar: read
            calendars = await tools.call("calendar_list_calendars")
            assert calendars["calendars"]
            now = datetime.now(timezone.utc)
            window = {
                "time_min": (now - timedelta(days=7)).isoformat(),
                "time_max": (now + timedelta(days=14)).isoformat(),
            }
            events = await tools.call("calendar_list_events", max_results=100, **window)
            assert events["events"], "no seeded events"
            await tools.call("calendar_get_event", event_id=events["events"][0]["id"])
            await tools.call(
                "calendar_find_free_time",
                attendees=["alice@example.com"],
                duration_minutes=30,
                time_min=now.isoformat(),
                time_max=(now + timedelta(days=7)).isoformat(),
            )

            # Calendar: write
            start = (now + timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
            created = await tools.call(
                "calendar_create_event",
                summary="Planning from the SDK",
                start=start.isoformat(),
                end=(start + timedelta(minutes=45)).isoformat(),
                attendees=["bob@example.com"],
                add_meet_link=True,
            )
            event_id = created["id"]
            await tools.call("calendar_update_event", event_id=event_id, location="Room 4")
            invitation = next((e for e in events["events"] if e.get("my_response") == "needsAction"), None)
            assert invitation, "no seeded unanswered invitation"
            await tools.call("calendar_respond", event_id=invitation["id"], response="accepted")
            await tools.call("calendar_delete_event", event_id=event_id)

            # Sheets
            book = await tools.call(
                "sheets_create", title="Budget from the SDK", sheets=["Costs", "It's Q4"], header=["Item", "Amount"]
            )
            book_id = book["spreadsheet_id"]
            info = await tools.call("sheets_get_info", spreadsheet_id=book_id)
            assert [s["title"] for s in info["sheets"]] == ["Costs", "It's Q4"]
            written = await tools.call(
                "sheets_write_range", spreadsheet_id=book_id, range="Costs!A2", values=[["Rent", 1200], ["Total", "=B2"]]
            )
            assert written["updated_range"] == "Costs!A2:B3"
            appended = await tools.call("sheets_append_rows", spreadsheet_id=book_id, range="Costs!A:B", rows=[["Food", 300]])
            assert appended["updated_range"] == "Costs!A4:B4"
            table = await tools.call(
                "sheets_read_range", spreadsheet_id=book_id, range="Costs!A1:B4", value_render="unformatted"
            )
            assert table["values"] == [["Item", "Amount"], ["Rent", 1200], ["Total", 1200], ["Food", 300]]
            await tools.call("sheets_clear_range", spreadsheet_id=book_id, range="Costs!A4:B4")
            added = await tools.call("sheets_add_sheet", spreadsheet_id=book_id, title="Notes", rows=10, columns=3)
            assert added["sheets"] == ["Costs", "'It''s Q4'", "Notes"]
            quoted = await tools.call("sheets_read_range", spreadsheet_id=book_id, range="'It''s Q4'!A1:B2")
            assert quoted["values"] == [] and quoted["range"] == "'It''s Q4'!A1:B2"
            await tools.call("sheets_format", spreadsheet_id=book_id, range="Costs!A1:B1", bold=True, background_color="#FFF2CC")
            await tools.call("sheets_freeze", spreadsheet_id=book_id, sheet="Costs", rows=1)
            chart = await tools.call("sheets_add_chart", spreadsheet_id=book_id, range="Costs!A1:B3", chart_type="column")
            assert chart["chart_id"] > 0
            await tools.call(
                "sheets_add_conditional_format", spreadsheet_id=book_id, range="Costs!B2:B3",
                condition="number_greater", values=["1000"], background_color="#F4CCCC",
            )

            # Drive
            found = await tools.call("drive_search", name="Roadmap")
            roadmap = found["files"][0]
            assert roadmap["kind"] == "Google Doc"
            top = await tools.call("drive_list_folder")
            assert top["files"][0]["kind"] == "folder"
            details = await tools.call("drive_get_file", file_id=roadmap["id"])
            assert details["path"] == "My Drive/Projects/2026/Q4"
            access = await tools.call("drive_list_permissions", file_id=roadmap["id"])
            assert access["permissions"][0]["role"] == "owner"
            content = await tools.call("drive_read_file", file_id=roadmap["id"])
            assert content["format"] == "markdown" and "# Q4 Roadmap" in content["text"]
            deck = (await tools.call("drive_search", type="presentation"))["files"][0]
            slides = await tools.call("drive_read_file", file_id=deck["id"])
            assert slides["text"].startswith("## Slide 1")
            folder = await tools.call("drive_create_folder", name="From the SDK")
            folder_id = folder["file"]["id"]
            note = await tools.call("drive_create_file", name="note.md", content="# Note\n", folder_id=folder_id)
            note_id = note["file"]["id"]
            copy = await tools.call("drive_copy", file_id=note_id, name="note-copy.md")
            await tools.call("drive_rename", file_id=copy["file"]["id"], name="note-v2.md")
            await tools.call("drive_move", file_id=copy["file"]["id"], folder_id="root")
            await tools.call("drive_share", file_id=note_id, email="bob@example.com", role="commenter", notify=False)
            trashed = await tools.call("drive_trash", file_id=copy["file"]["id"])
            assert trashed["action"] == "trashed"

            # Drive: comments and revisions
            notes = (await tools.call("drive_search", name="Meeting Notes"))["files"][0]
            comments = await tools.call("drive_list_comments", file_id=notes["id"], include_resolved=True)
            assert len(comments["comments"]) == 2
            posted = await tools.call("drive_add_comment", file_id=notes["id"], content="From the SDK tour")
            comment_id = posted["comment"]["id"]
            await tools.call("drive_reply_comment", file_id=notes["id"], comment_id=comment_id, content="Noted")
            await tools.call("drive_resolve_comment", file_id=notes["id"], comment_id=comment_id)
            revisions = await tools.call("drive_list_revisions", file_id=notes["id"])
            first = revisions["revisions"][-1]
            old = await tools.call("drive_read_revision", file_id=notes["id"], revision_id=first["id"])
            assert old["format"] == "markdown" and "First draft" in old["text"], old

            # Docs
            created = await tools.call(
                "docs_create_document", title="SDK notes", content="# Notes\n\n- one **bold** item\n"
            )
            doc_id = created["document_id"]
            await tools.call("docs_insert_text", document_id=doc_id, text="Added *later*.")
            replaced = await tools.call(
                "docs_find_replace", document_id=doc_id, replacements=[{"find": "later", "replace": "afterwards"}]
            )
            assert replaced["total"] == 1
            doc = await tools.call("docs_read_document", document_id=doc_id)
            assert doc["markdown"] == "# Notes\n\n- one **bold** item\n\nAdded *afterwards*.\n", doc["markdown"]

            # Tasks
            lists = await tools.call("tasks_lists")
            assert [entry["title"] for entry in lists["lists"]] == ["My Tasks", "Q4 Launch"]
            open_tasks = await tools.call("tasks_list")
            titles = [task["title"] for task in open_tasks["tasks"]]
            assert "Prepare the Q4 roadmap review" in titles and "Expense report for the offsite" not in titles
            roadmap = next(task for task in open_tasks["tasks"] if task["title"] == "Prepare the Q4 roadmap review")
            due = (now + timedelta(days=10)).date().isoformat()
            sub = await tools.call(
                "tasks_create", title="Print handouts", notes="20 copies", due=due, parent_id=roadmap["id"]
            )
            assert sub["task"]["parent_id"] == roadmap["id"] and sub["task"]["due"] == due
            everything = await tools.call("tasks_list", include_completed=True, max_results=100)
            ids = [task["id"] for task in everything["tasks"]]
            assert ids[ids.index(roadmap["id"]) + 1] == sub["task"]["id"], "the new subtask is not under its parent"
            updated = await tools.call("tasks_update", task_id=sub["task"]["id"], title="Print the handouts", due="")
            assert updated["task"]["title"] == "Print the handouts" and "due" not in updated["task"]
            done = await tools.call("tasks_complete", task_id=sub["task"]["id"])
            assert done["task"]["completed"] and done["task"]["completed_at"]
            project = lists["lists"][1]["id"]
            soon = await tools.call("tasks_list", task_list_id=project, due_before=(now + timedelta(days=5)).date().isoformat())
            assert [task["title"] for task in soon["tasks"]] == ["Write the release notes"]
            gone = await tools.call("tasks_delete", task_id=sub["task"]["id"])
            assert gone["deleted"] and gone["title"] == "Print the handouts"

            # Contacts
            found = await tools.call("contacts_search", query="lena")
            lena = found["people"][0]
            assert lena["source"] == "contact" and lena["emails"] == ["lena.vogel@acme-corp.example"]
            person = await tools.call("contacts_get", resource_name=lena["resource_name"])
            assert person["addresses"] and person["notes"]
            colleague = await tools.call("contacts_search", query="dana", source="directory")
            assert [p["emails"] for p in colleague["people"]] == [["dana@example.com"]]

            # Slides
            kickoff = await tools.call("slides_read", presentation_id=deck["id"])
            assert kickoff["slide_count"] == 3 and kickoff["slides"][0]["layout"]
            second = await tools.call("slides_read", presentation_id=deck["id"], slides=[2])
            assert [e["text"] for e in second["slides"][0]["elements"]][0] == "Why Atlas"

            # Forms
            survey_id = (await tools.call("drive_search", name="Team Offsite Survey"))["files"][0]["id"]
            survey = await tools.call("forms_read", form_id=survey_id)
            assert [q["kind"] for q in survey["questions"]] == ["text", "multiple_choice", "checkbox", "scale"]
            answers = await tools.call("forms_list_responses", form_id=survey_id)
            assert len(answers["responses"]) == 3
            assert answers["responses"][0]["answers"]["Where should we go?"] == ["Lisbon"]
            poll = await tools.call(
                "forms_create",
                title="Lunch poll",
                description="Friday lunch",
                questions=[
                    {"title": "Where?", "kind": "dropdown", "options": ["Tacos", "Sushi"], "required": True},
                    {"title": "Comments", "kind": "paragraph"},
                ],
            )
            assert [q["kind"] for q in poll["questions"]] == ["dropdown", "paragraph"]
            assert poll["questions"][0]["options"] == ["Tacos", "Sushi"] and poll["responder_url"]

            # Chat
            spaces = await tools.call("chat_list_spaces")
            launch = next(space for space in spaces["spaces"] if space["title"] == "Q4 Launch")
            direct = await tools.call("chat_list_spaces", kind="direct_message")
            assert direct["spaces"] and all(space["kind"] == "direct_message" for space in direct["spaces"])
            read = await tools.call("chat_read_messages", space=launch["name"])
            assert read["messages"][-1]["text"] == "Status meeting moved to Thursday 3pm.", "newest last"
            kickoff = next(m for m in read["messages"] if m["text"].startswith("Kick-off"))
            posted = await tools.call("chat_send", space=launch["name"], text="The slides are ready.")
            assert posted["message"]["text"] == "The slides are ready."
            reply = await tools.call("chat_reply", message=kickoff["name"], text="Thanks, noted.")
            assert reply["message"]["thread"] == kickoff["thread"] and reply["message"]["reply"]
            thread = await tools.call("chat_read_messages", space=launch["name"], thread=kickoff["thread"])
            assert thread["messages"][0]["name"] == kickoff["name"]
            assert thread["messages"][-1]["text"] == "Thanks, noted."
            to_dana = await tools.call("chat_send", to="dana@example.com", text="Lunch at noon?")
            assert to_dana["to"] == "dana@example.com" and to_dana["space"] != launch["name"]

            assert tools.called == names, f"tools not exercised: {sorted(names - tools.called)}"
