"""Proof 2: one user's expiring Google access token, 50 concurrent tool calls
spread over three tasks: exactly one refresh at Google, and every call gets
the user's own labels.

The fake Google issues access tokens for 3599 s and its binary has no flag or
control endpoint to shorten that; the gateway refreshes 300 s before expiry
(credentials::REFRESH_AHEAD). So the recording front in front of the fake
answers the sign-in's code exchange with `expires_in` = 303: the gateway
stores a token it believes expires in 303 s, and 3+ s later every task sees
it as expiring, exactly as if Google had issued a short-lived token.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from client import call_tool, http_for, sign_in, tool_result
from conftest import MakeFleet

REFRESH_AHEAD = 300
LIFETIME = REFRESH_AHEAD + 3
CALLS = 50


def google_labels(fake_base_url: str, google_access_token: str) -> set[tuple[str, str]]:
    """The user's labels straight from the fake Google, with the user's own token."""
    answer = httpx.get(
        f"{fake_base_url}/gmail/v1/users/me/labels",
        headers={"Authorization": f"Bearer {google_access_token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {(label["id"], label["name"]) for label in answer.json()["labels"]}


def test_fifty_concurrent_calls_on_three_tasks_refresh_once(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    front = fleet.google.front
    assert front is not None
    front.code_expires_in = LIFETIME
    signed_in_at = time.monotonic()
    tokens = sign_in(fleet.a)
    front.code_expires_in = None
    (code_exchange,) = front.seen("/token", "authorization_code")
    first_google_token = json.loads(code_exchange.body)["access_token"]
    assert front.refreshes() == [], "no refresh before the token is near its end"

    # Wait until the stored token is inside the refresh window on every task's clock.
    time.sleep(max(0.0, signed_in_at + (LIFETIME - REFRESH_AHEAD) + 1.0 - time.monotonic()))

    tasks = [fleet.a, fleet.b, fleet.c]
    clients = [http_for(task, tokens.access_token, timeout=60) for task in tasks]

    def one(i: int) -> dict:
        reply = call_tool(clients[i % 3], "gmail_list_labels", {}, request_id=i + 1)
        return tool_result(reply, i + 1)

    try:
        with ThreadPoolExecutor(CALLS) as pool:
            results = list(pool.map(one, range(CALLS)))
    finally:
        for client in clients:
            client.close()

    refreshes = front.refreshes()
    assert len(refreshes) == 1, f"{len(refreshes)} refresh requests reached Google (want exactly 1)\n{fleet.logs()}"
    assert refreshes[0].status == 200, refreshes[0].body
    new_google_token = json.loads(refreshes[0].body)["access_token"]
    assert new_google_token != first_google_token

    expected = google_labels(fleet.google.base_url, new_google_token)
    assert expected, "the fake Google seeded no labels"
    for i, result in enumerate(results):
        assert not result.get("isError"), f"call {i} on task {'ABC'[i % 3]}: {result}"
        labels = {(label["id"], label["name"]) for label in result["structuredContent"]["labels"]}
        assert labels == expected, f"call {i} on task {'ABC'[i % 3]} got other labels: {labels ^ expected}"

    # Every Gmail call went out with the refreshed token, none with the expiring one.
    gmail = front.api_calls("/gmail/")
    assert len(gmail) >= CALLS, len(gmail)
    used = {call.bearer for call in gmail}
    assert used == {new_google_token}, "a Gmail call used a token other than the refreshed one"
