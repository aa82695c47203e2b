"""Tasks and Contacts tools through the official MCP Python SDK against
`mcp-gateway demo`: the errors a model gets for unknown lists, tasks and
people, subtasks shown under their parent, and two people of one domain who
each see and change only their own tasks and contacts."""

from __future__ import annotations

import pytest

from gateway import Gateway
from sdk_session import session

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"


async def test_tasks_errors_name_what_to_use_and_subtasks_sit_under_their_parent(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice:
        text = await alice.err("tasks_list", task_list_id="nosuchlist")
        assert 'Task list "nosuchlist" was not found' in text and "tasks_lists" in text, text
        text = await alice.err("tasks_create", title="x", task_list_id="nosuchlist")
        assert "tasks_lists" in text, text
        for tool in ("tasks_update", "tasks_complete", "tasks_delete"):
            extra = {"title": "x"} if tool == "tasks_update" else {}
            text = await alice.err(tool, task_id="nosuchtask", **extra)
            assert 'Task "nosuchtask" was not found' in text and "tasks_list" in text, (tool, text)
        text = await alice.err("tasks_complete", task_id="nosuchtask", task_list_id="nosuchlist")
        assert "tasks_lists" in text, text
        text = await alice.err("tasks_create", title="x", parent_id="nosuchtask")
        assert 'Parent task "nosuchtask" was not found' in text, text
        text = await alice.err("tasks_create", title="x", due="next friday")
        assert "Invalid argument `due`" in text, text
        text = await alice.err("tasks_list", max_results=101)
        assert "Invalid argument `max_results`" in text, text

        listed, text = await alice.ok("tasks_list")
        roadmap = next(t for t in listed["tasks"] if t["title"] == "Prepare the Q4 roadmap review")
        slides = next(t for t in listed["tasks"] if t["title"] == "Draft the slides")
        assert slides["parent_id"] == roadmap["id"]
        lines = text.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("[ ] Prepare the Q4 roadmap review"))
        assert lines[at + 1].startswith("    Collect input from"), text
        assert lines[at + 2].startswith("  [ ] Draft the slides — due "), text
        text = await alice.err("tasks_create", title="Too deep", parent_id=slides["id"])
        assert "nests one level" in text and roadmap["id"] in text, text
        text = await alice.err("tasks_update", task_id=roadmap["id"])
        assert "Nothing to change" in text, text

        done, _ = await alice.ok("tasks_list", include_completed=True)
        assert any(t["completed"] for t in done["tasks"])
        reopened, _ = await alice.ok("tasks_update", task_id=slides["id"], status="completed")
        reopened, _ = await alice.ok("tasks_update", task_id=slides["id"], status="needsAction")
        assert not reopened["task"]["completed"] and "completed_at" not in reopened["task"]


async def test_contacts_errors_name_what_to_use(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice:
        text = await alice.err("contacts_get", resource_name="people/c1234")
        assert 'Contact "people/c1234" was not found' in text and "contacts_search" in text, text
        text = await alice.err("contacts_get", resource_name="people/../etc")
        assert "Invalid argument `resource_name`" in text, text
        text = await alice.err("contacts_search", query="  ")
        assert "Invalid argument `query`" in text, text
        text = await alice.err("contacts_search", query="a", max_results=31)
        assert "Invalid argument `max_results`" in text, text
        nobody, text = await alice.ok("contacts_search", query="zzzz")
        assert nobody["people"] == [] and text.startswith("0 people"), text
        both, text = await alice.ok("contacts_search", query="dana")
        assert [p["source"] for p in both["people"]] == ["directory"], both


async def test_two_people_see_and_change_only_their_own_tasks_and_contacts(start_gateway) -> None:
    gateway: Gateway = start_gateway(TOOLS="all")
    async with session(gateway, ALICE) as alice, session(gateway, DANA) as dana:
        whoami, _ = await dana.ok("whoami")
        assert whoami["email"] == DANA
        created, _ = await alice.ok("tasks_create", title="Alice's private task", notes="only mine")
        secret = created["task"]["id"]
        alice_list = created["task_list"]["id"]

        theirs, _ = await dana.ok("tasks_list", include_completed=True, max_results=100)
        assert all(t["title"] != "Alice's private task" for t in theirs["tasks"])
        assert all(t["id"] != secret for t in theirs["tasks"])
        assert theirs["task_list"]["id"] != alice_list
        lists, _ = await dana.ok("tasks_lists")
        assert alice_list not in [entry["id"] for entry in lists["lists"]]

        text = await dana.err("tasks_list", task_list_id=alice_list)
        assert "was not found" in text, text
        for tool in ("tasks_complete", "tasks_delete"):
            text = await dana.err(tool, task_id=secret)
            assert "was not found" in text, (tool, text)
            text = await dana.err(tool, task_id=secret, task_list_id=alice_list)
            assert "was not found" in text, (tool, text)
        text = await dana.err("tasks_update", task_id=secret, title="Dana was here")
        assert "was not found" in text, text

        mine, _ = await alice.ok("tasks_list", include_completed=True, max_results=100)
        kept = next(t for t in mine["tasks"] if t["id"] == secret)
        assert kept["title"] == "Alice's private task" and not kept["completed"], kept

        alice_lena, _ = await alice.ok("contacts_search", query="lena", source="contacts")
        dana_lena, _ = await dana.ok("contacts_search", query="lena", source="contacts")
        alice_name = alice_lena["people"][0]["resource_name"]
        assert alice_name != dana_lena["people"][0]["resource_name"]
        text = await dana.err("contacts_get", resource_name=alice_name)
        assert "was not found" in text, text
