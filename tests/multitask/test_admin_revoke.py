"""Proof 7: `mcp-gateway users list` (a separate process with the tasks'
environment) shows the user; `users revoke <email>` makes every task refuse
the user's access token within 60 s, and Google saw the grant revoked."""

from __future__ import annotations

import json
import time

import httpx

from client import call_tool, http_for, refresh, sign_in, tool_result
from conftest import MakeFleet
from procs import TEST_USER

DEADLINE = 60.0


def test_users_list_and_revoke_reach_every_task_and_google(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    tokens = sign_in(fleet.a)
    tasks = {"A": fleet.a, "B": fleet.b, "C": fleet.c}
    for name, task in tasks.items():
        with http_for(task, tokens.access_token) as http:
            result = tool_result(call_tool(http, "gmail_list_labels"))
            assert not result.get("isError"), f"{name}: {result}"

    listed = fleet.command("users", "list")
    assert listed.returncode == 0, listed.stderr
    assert TEST_USER in listed.stdout, listed.stdout

    front = fleet.google.front
    assert front is not None
    google_refresh_token = next(
        json.loads(e.body)["refresh_token"]
        for e in front.seen("/token", "authorization_code")
        if e.status == 200 and "refresh_token" in json.loads(e.body)
    )
    assert front.revokes() == []

    revoked_at = time.monotonic()
    revoke = fleet.command("users", "revoke", TEST_USER)
    assert revoke.returncode == 0, f"{revoke.stdout}\n{revoke.stderr}"

    refused_after: dict[str, float] = {}
    clients = {name: http_for(task, tokens.access_token, timeout=10) for name, task in tasks.items()}
    try:
        while len(refused_after) < len(tasks) and time.monotonic() - revoked_at < DEADLINE + 5:
            for name, client in clients.items():
                if name in refused_after:
                    continue
                reply = call_tool(client, "whoami")
                if reply.status == 401:
                    refused_after[name] = time.monotonic() - revoked_at
                else:
                    assert reply.status == 200, f"{name}: {reply.status} {reply.response.text[:300]}"
            time.sleep(0.25)
    finally:
        for client in clients.values():
            client.close()
    print(f"access token refused after (s): {refused_after}")
    missing = set(tasks) - set(refused_after)
    assert not missing, f"tasks {sorted(missing)} still accept the revoked user's token after {DEADLINE + 5}s"
    slow = {name: t for name, t in refused_after.items() if t > DEADLINE}
    assert not slow, f"refused only after {slow}"

    # The gateway refresh token is dead on every task too.
    for name, task in tasks.items():
        answer = refresh(task, tokens.client, tokens.refresh_token)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant", f"{name}: {answer.text}"

    # Google saw the revocation, and its grant is gone there.
    revokes = front.revokes()
    assert len(revokes) == 1 and revokes[0].status == 200, [(r.status, r.body[:200]) for r in revokes]
    at_google = httpx.post(
        f"{fleet.google.base_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": google_refresh_token,
            "client_id": fleet.google.client_id,
            "client_secret": fleet.google.client_secret,
        },
        timeout=10,
    )
    assert at_google.status_code == 400 and at_google.json()["error"] == "invalid_grant", at_google.text

    after = fleet.command("users", "list")
    assert after.returncode == 0, after.stderr
    print(after.stdout)
