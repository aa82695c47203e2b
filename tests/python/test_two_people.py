"""Two people of one domain sign in to one demo gateway: each sees their own
mail and files, a session of one is refused to the other, and the document
the demo has them share shows in both Drives under one id."""

from __future__ import annotations

import json

import httpx

from gateway import Gateway
from mcp_http import call_tool, open_session, post
from oauth_flow import sign_in

ALICE = "alice@example.com"
DANA = "dana@example.com"
SHARED_DOC = "Offsite Plan"


def test_two_people_see_their_own_data_and_what_they_share(gateway: Gateway) -> None:
    people = {}
    for email in (ALICE, DANA):
        tokens = sign_in(gateway.base_url, login_hint=email)
        client = httpx.Client(timeout=30.0, headers=tokens.bearer)
        people[email] = (client, open_session(client, gateway.mcp_url))
    try:
        for email, (client, sid) in people.items():
            me = call_tool(client, gateway.mcp_url, sid, "whoami", {})["structuredContent"]
            assert me["email"] == email, me

        mail = {}
        for email, (client, sid) in people.items():
            found = call_tool(client, gateway.mcp_url, sid, "gmail_search", {"query": "in:inbox"})
            ids = {m["id"] for m in found["structuredContent"]["messages"]}
            assert ids, f"{email} has no mail"
            mail[email] = ids
        assert not mail[ALICE] & mail[DANA], "two people's mailboxes overlap"

        # Dana cannot read Alice's message by its id.
        client, sid = people[DANA]
        other = next(iter(mail[ALICE]))
        answer = call_tool(client, gateway.mcp_url, sid, "gmail_read_message", {"message_id": other})
        assert answer.get("isError"), f"Dana read Alice's message: {json.dumps(answer)[:300]}"

        # Alice's session is not Dana's.
        _, alice_sid = people[ALICE]
        reply = post(client, gateway.mcp_url, {"jsonrpc": "2.0", "id": 9, "method": "tools/list"},
                     session_id=alice_sid, protocol_version="2025-11-25")
        assert reply.status == 404, reply.response.text

        shared = {}
        for email, (client, sid) in people.items():
            found = call_tool(client, gateway.mcp_url, sid, "drive_search", {"name": SHARED_DOC})
            files = [f for f in found["structuredContent"]["files"] if f["name"] == SHARED_DOC]
            assert len(files) == 1, f"{email}: {json.dumps(found)[:500]}"
            shared[email] = files[0]["id"]
            text = call_tool(client, gateway.mcp_url, sid, "drive_read_file", {"file_id": files[0]["id"]})
            assert "Lisbon" in json.dumps(text), f"{email}: {json.dumps(text)[:300]}"
        assert shared[ALICE] == shared[DANA]
        alice, alice_sid = people[ALICE]
        details = call_tool(alice, gateway.mcp_url, alice_sid, "drive_get_file", {"file_id": shared[ALICE]})
        assert DANA in json.dumps(details), json.dumps(details)[:500]
    finally:
        for client, _ in people.values():
            client.close()
