"""Proof 6: conditional writes decide races between tasks. One authorization
code redeemed on A and B at the same moment: exactly one 200. One refresh
token rotated on A and B at once: both get working tokens in the same
sign-in (the rotation grace), and nothing is revoked. Each race runs several rounds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from client import REDIRECT_URI, PendingCode, authorize, http_for, refresh, register, sign_in
from conftest import MakeFleet
from procs import Task

ROUNDS = 5


def race(tasks: list[Task], form: dict[str, str]) -> list[httpx.Response]:
    """POST the same /oauth/token form to every task at once (warm connections, one barrier)."""
    clients = [http_for(task) for task in tasks]
    for client in clients:
        assert client.get("/health").status_code == 200  # connection open before the start line
    barrier = threading.Barrier(len(tasks))

    def send(client: httpx.Client) -> httpx.Response:
        barrier.wait()
        return client.post("/oauth/token", data=form)

    try:
        with ThreadPoolExecutor(len(tasks)) as pool:
            return list(pool.map(send, clients))
    finally:
        for client in clients:
            client.close()


def describe(answers: list[httpx.Response]) -> str:
    return "; ".join(f"{a.status_code} {a.text[:160]}" for a in answers)


def code_form(task: Task, pending: PendingCode) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": pending.code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": pending.verifier,
        "client_id": pending.client.client_id,
        "resource": f"{task.public_url}/mcp",
    }


def test_one_code_redeemed_on_a_and_b_at_once_succeeds_once(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    client = register(fleet.a)
    for round_ in range(ROUNDS):
        pending = authorize(fleet.a, client)
        answers = race([fleet.a, fleet.b], code_form(fleet.a, pending))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 400], f"round {round_}: {describe(answers)}"
        loser = next(a for a in answers if a.status_code == 400)
        assert loser.json()["error"] == "invalid_grant", loser.text


FAMILY_REVOKED = "every token of this sign-in was revoked"


def refresh_form(fleet_url: str, client_id: str, refresh_token: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "resource": f"{fleet_url}/mcp",
    }


def test_one_refresh_token_rotated_on_a_and_b_at_once_gives_both_working_tokens(make_fleet: MakeFleet) -> None:
    """oauth/README.md: a refresh token presented twice within the rotation
    grace (a client refreshing from two egress addresses at once) gets working
    tokens both times, in the same sign-in; never a revoked family."""
    fleet = make_fleet()
    for round_ in range(ROUNDS):
        tokens = sign_in(fleet.a)
        answers = race([fleet.a, fleet.b], refresh_form(fleet.public_url, tokens.client.client_id, tokens.refresh_token))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 200], f"round {round_}: {describe(answers)}"


def test_a_rotation_race_revokes_nothing(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    tokens = sign_in(fleet.a)
    refresh_token = tokens.refresh_token
    for round_ in range(ROUNDS * 2):
        form = refresh_form(fleet.public_url, tokens.client.client_id, refresh_token)
        answers = race([fleet.a, fleet.b], form)
        assert all(a.status_code == 200 for a in answers), f"round {round_}: {describe(answers)}"
        assert not any(FAMILY_REVOKED in a.text for a in answers), f"round {round_}: {describe(answers)}"
        # Both answers' refresh tokens work on the third task.
        for answer in answers:
            again = refresh(fleet.c, tokens.client, answer.json()["refresh_token"])
            assert again.status_code == 200, f"round {round_}: a racer's refresh token was revoked: {again.text}"
        refresh_token = again.json()["refresh_token"]
