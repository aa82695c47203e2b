"""Refresh-token reuse after the rotation grace, with real waits: a rotated
token presented again past the 5-second grace on another task is refused
and revokes the whole family: its refresh tokens at once everywhere (they
live in the store), its access tokens at once on the task that saw the
reuse and within REVOCATION_POLL_SECONDS (1 s here) on the others. Within
the grace, the same replay is a concurrent duplicate and revokes nothing."""

from __future__ import annotations

import time

from client import call_tool, http_for, refresh, sign_in
from conftest import MakeFleet

# crates/gateway/src/oauth/token.rs, ROTATION_GRACE.
GRACE = 5.0
POLL = 1.0


def status_of(task, access: str) -> int:  # type: ignore[no-untyped-def]
    with http_for(task, access, timeout=10) as http:
        return call_tool(http, "whoami").status


def test_reuse_within_the_grace_is_a_duplicate_and_after_it_revokes_everywhere(
    make_fleet: MakeFleet,
) -> None:
    fleet = make_fleet()
    tasks = {"A": fleet.a, "B": fleet.b, "C": fleet.c}
    first = sign_in(fleet.a)

    # Rotation on A; the old token again on B at once: a duplicate.
    rotated = refresh(fleet.a, first.client, first.refresh_token)
    assert rotated.status_code == 200, rotated.text
    rotated_at = time.monotonic()
    duplicate = refresh(fleet.b, first.client, first.refresh_token)
    assert duplicate.status_code == 200, duplicate.text
    current = rotated.json()
    for name, task in tasks.items():
        assert status_of(task, current["access_token"]) == 200, name
        assert status_of(task, duplicate.json()["access_token"]) == 200, name

    # Past the grace, the same replay on B is reuse.
    time.sleep(max(0.0, GRACE + 1.5 - (time.monotonic() - rotated_at)))
    waited = time.monotonic() - rotated_at
    reuse = refresh(fleet.b, first.client, first.refresh_token)
    revoked_at = time.monotonic()
    assert reuse.status_code == 400, reuse.text
    assert reuse.json()["error"] == "invalid_grant"
    assert "revoked" in reuse.json()["error_description"]

    # The task that saw it refuses the family's access tokens at once.
    assert status_of(fleet.b, current["access_token"]) == 401
    assert status_of(fleet.b, duplicate.json()["access_token"]) == 401

    # Every refresh token of the family is dead on every task at once.
    for name, task in tasks.items():
        for token in (current["refresh_token"], duplicate.json()["refresh_token"]):
            answer = refresh(task, first.client, token)
            assert answer.status_code == 400, f"{name}: {answer.text}"

    # The other tasks refuse the access tokens within the poll interval.
    refused_after: dict[str, float] = {"B": 0.0}
    while len(refused_after) < len(tasks) and time.monotonic() - revoked_at < POLL + 4:
        for name in ("A", "C"):
            if name not in refused_after and status_of(tasks[name], current["access_token"]) == 401:
                refused_after[name] = time.monotonic() - revoked_at
        time.sleep(0.1)
    print(f"reuse {waited:.1f} s after the rotation; access token refused after (s): {refused_after}")
    assert set(refused_after) == set(tasks), f"still accepted on {set(tasks) - set(refused_after)}"
    assert max(refused_after.values()) <= POLL + 2, refused_after
