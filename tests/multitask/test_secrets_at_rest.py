"""Proof 4: after a full sign-in and tool calls, no secret is stored in
plaintext: not in a full scan of the DynamoDB table, not in the bytes of the
embedded SQLite store, and not in the tasks' JSON logs either.

The secrets: the Google access and refresh tokens the fake issued (exact
values, seen by the recording front, and Google's prefixes `ya29.` and `1//0`
in any form), the gateway's access and refresh tokens the client holds, a
confidential client's secret, SESSION_SECRET and GOOGLE_CLIENT_SECRET. Each is
searched for in the raw bytes and in every base64 string decoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from pathlib import Path

from client import call_tool, http_for, refresh, session_request, sign_in, start_session, tool_result
from conftest import Fleet, MakeFleet
from procs import TEST_USER

GOOGLE_PREFIXES = (b"ya29.", b"1//0")
BASE64ISH = re.compile(rb"[A-Za-z0-9+/_-]{24,}={0,2}")


def decoded_views(blob: bytes) -> list[bytes]:
    """The blob itself plus every base64 (standard or URL-safe) run in it, decoded."""
    views = [blob]
    for run in BASE64ISH.findall(blob):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                views.append(decode(run + b"=" * (-len(run) % 4)))
            except (binascii.Error, ValueError):
                pass
    return views


def work_and_collect_secrets(fleet: Fleet) -> tuple[list[bytes], str]:
    """Sign in (confidential client) and use every path that writes secrets; returns them."""
    front = fleet.google.front
    assert front is not None
    # A short Google lifetime, so a refresh stores a second sealed access token too.
    front.code_expires_in = 303
    started = time.monotonic()
    tokens = sign_in(fleet.a, confidential=True)
    front.code_expires_in = None
    tasks = list(fleet.tasks.values())
    other = tasks[1 % len(tasks)]
    with http_for(other, tokens.access_token) as http:
        assert tool_result(call_tool(http, "whoami"))["structuredContent"]["email"] == TEST_USER
        session_id = start_session(http)
        assert session_request(http, session_id, "tools/list", None, 2).status == 200
    time.sleep(max(0.0, started + 4.5 - time.monotonic()))
    with http_for(tasks[-1], tokens.access_token) as http:
        labels = tool_result(call_tool(http, "gmail_list_labels"))
        assert not labels.get("isError"), labels
    assert len(front.refreshes()) == 1, "the expiring Google token was refreshed once"
    rotated = refresh(other, tokens.client, tokens.refresh_token)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    secrets = {
        "gateway access token": tokens.access_token,
        "gateway refresh token": tokens.refresh_token,
        "rotated gateway access token": new["access_token"],
        "rotated gateway refresh token": new["refresh_token"],
        "confidential client secret": tokens.client.client_secret or "",
        "SESSION_SECRET": fleet.session_secret,
        "GOOGLE_CLIENT_SECRET": fleet.google.client_secret,
    }
    # The random part of a gateway refresh token (gwr.<family>.<secret>) is the secret.
    for name in ("gateway refresh token", "rotated gateway refresh token"):
        secrets[f"{name} (secret part)"] = secrets[name].rsplit(".", 1)[-1]
    google = front.issued_tokens()
    assert len(google) >= 3, "Google issued an access and a refresh token, then a refreshed access token"
    for i, value in enumerate(sorted(google)):
        secrets[f"Google token {i} ({value[:5]}...)"] = value
    return [value.encode() for value in secrets.values() if value], json.dumps(sorted(secrets))


def assert_no_plaintext(blobs: list[bytes], secrets: list[bytes], where: str, names: str) -> None:
    leaks = []
    for blob in blobs:
        for view in decoded_views(blob):
            for prefix in GOOGLE_PREFIXES:
                if prefix in view:
                    leaks.append(f"Google token prefix {prefix!r} in {view[:120]!r}")
            for secret in secrets:
                if secret in view:
                    leaks.append(f"secret {secret[:8]!r}... in {view[:120]!r}")
    assert not leaks, f"plaintext secrets in {where} (checked {names}):\n" + "\n".join(leaks[:10])


def scan_table(fleet: Fleet) -> list[bytes]:
    assert fleet.aws is not None and fleet.table is not None
    dynamodb = fleet.aws.client("dynamodb")
    blobs: list[bytes] = []

    def flatten(value: object) -> None:
        if isinstance(value, bytes):
            blobs.append(value)
        elif isinstance(value, str):
            blobs.append(value.encode())
        elif isinstance(value, dict):
            for key, inner in value.items():
                blobs.append(str(key).encode())
                flatten(inner)
        elif isinstance(value, (list, set, tuple)):
            for inner in value:
                flatten(inner)
        elif value is not None:
            blobs.append(str(value).encode())

    items = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=fleet.table, ConsistentRead=True):
        for item in page["Items"]:
            items += 1
            flatten(item)
    assert items > 5, f"only {items} items in the table"
    assert any(TEST_USER.encode() in blob for blob in blobs), "the scan sees the user's records"
    return blobs


def test_no_plaintext_secret_in_a_full_dynamodb_scan(make_fleet: MakeFleet) -> None:
    fleet = make_fleet()
    secrets, names = work_and_collect_secrets(fleet)
    assert_no_plaintext(scan_table(fleet), secrets, f"DynamoDB table {fleet.table}", names)
    assert_no_plaintext(task_logs(fleet), secrets, "the tasks' logs", names)


def task_logs(fleet: Fleet) -> list[bytes]:
    logs = [task.log.read_bytes() for task in fleet.tasks.values()]
    assert all(b'"message":"request"' in log for log in logs), "request logs were written"
    return logs


def sqlite_files(data_dir: Path) -> list[bytes]:
    files = [path for path in data_dir.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".db") for path in files), files
    return [path.read_bytes() for path in files]


def test_no_plaintext_secret_in_the_sqlite_file(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(tasks=("A",), store="sqlite")
    secrets, names = work_and_collect_secrets(fleet)
    data_dir = Path(fleet.a.env["DATA_DIR"])
    live = sqlite_files(data_dir)  # the database and its write-ahead log while running
    assert any(TEST_USER.encode() in blob for blob in live), "the files hold the user's records"
    assert_no_plaintext(live, secrets, f"{data_dir} (running)", names)
    assert fleet.a.stop() == 0
    assert_no_plaintext(sqlite_files(data_dir), secrets, f"{data_dir} (after shutdown)", names)
    assert_no_plaintext(task_logs(fleet), secrets, "the task's log", names)
