"""Proof 1: sign in through one task, work through another; a legacy session
created on one task continues on another and ends everywhere when deleted."""

from __future__ import annotations

import time

from client import (
    LATEST_LEGACY_VERSION,
    SESSION_HEADER,
    VERSION_HEADER,
    call_tool,
    http_for,
    session_request,
    sign_in,
    start_session,
    tool_result,
)
from conftest import MakeFleet
from procs import TEST_USER


def test_sign_in_on_a_tools_on_b_session_moves_and_ends_everywhere(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    tokens = sign_in(fleet.a)

    # Tools through B with the token A issued: B names the user from the shared store.
    with http_for(fleet.b, tokens.access_token) as on_b:
        whoami = tool_result(call_tool(on_b, "whoami"))
        assert not whoami.get("isError"), whoami
        assert whoami["structuredContent"]["email"] == TEST_USER, whoami

    # A legacy session opened on A continues on B without a new initialize.
    with http_for(fleet.a, tokens.access_token) as on_a, http_for(fleet.b, tokens.access_token) as on_b:
        session_id = start_session(on_a)
        listed = session_request(on_b, session_id, "tools/list", None, 2)
        assert listed.status == 200, listed.response.text
        names = [tool["name"] for tool in listed.result_for(2)["tools"]]
        assert {"whoami", "gmail_list_labels"} <= set(names), names
        called = session_request(on_b, session_id, "tools/call", {"name": "whoami", "arguments": {}}, 3)
        assert called.status == 200, called.response.text
        result = called.result_for(3)
        assert not result.get("isError"), result
        assert result["structuredContent"]["email"] == TEST_USER, result
        # Still alive on A after B served it.
        again = session_request(on_a, session_id, "tools/list", None, 4)
        assert again.status == 200, again.response.text

        # DELETE on B ends the session on B at once; A, which serves it from
        # memory, refuses it after its next revocation reload (1 s here).
        deleted = on_b.delete("/mcp", headers={SESSION_HEADER: session_id, VERSION_HEADER: LATEST_LEGACY_VERSION})
        assert deleted.status_code in (200, 202, 204), f"DELETE on B: {deleted.status_code} {deleted.text}"
        assert session_request(on_b, session_id, "tools/list", None, 5).status == 404
        deadline = time.monotonic() + 3.0
        while (after := session_request(on_a, session_id, "tools/list", None, 5)).status != 404:
            assert time.monotonic() < deadline, f"A still serves the deleted session: {after.status} {after.response.text}"
            time.sleep(0.1)
        on_c = session_request(http_for(fleet.c, tokens.access_token), session_id, "tools/list", None, 6)
        assert on_c.status == 404, f"C still serves the deleted session: {on_c.status} {on_c.response.text}"
