"""The company policy (`POLICY_FILE`) as the official MCP Python SDK meets it.

Each rule is shown allowing and refusing: outbound mail inside the company
and an allow-listed partner, not elsewhere; attachments over the cap; the
daily send and share caps; sharing outside the company only once confirmed;
no external guests. Dana, in the `readers` group, lists and may call only
read-only Gmail and Calendar tools while Alice sees every tool. A refusal is
a tool error naming its rule, and an audit event with the rule as reason. A
good change to the file applies without a restart; a malformed one is logged
and the last good policy stays; a malformed file stops the gateway at start
with exit status 2, naming the line.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from gateway import Gateway, StartGateway, default_environment, free_port, gateway_binary
from oauth_flow import discover, pkce_pair, register_client, sign_in
from test_audit import audit

pytestmark = pytest.mark.anyio

ALICE = "alice@example.com"
DANA = "dana@example.com"

POLICY = """
[mail]
outbound = "internal_only"
allowed_domains = ["partner.example"]
max_attachment_mb = 1
daily_send_limit = 2

[drive]
external_sharing = "confirm"
daily_share_limit = 2

[calendar]
external_guests = "deny"

[groups]
readers = ["dana@example.com"]

[[access]]
name = "readers"
groups = ["readers"]
read_only = true
services = ["gmail", "calendar"]
"""


def policy_gateway(start_gateway: StartGateway, tmp_path: Path, text: str = POLICY, **env: Any) -> tuple[Gateway, Path]:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return start_gateway(POLICY_FILE=str(path), POLICY_RELOAD_SECONDS=1, TOOLS="all", **env), path


class Person:
    """One person's SDK session."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def ok(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, f"{tool}: {result.content}"
        return result.structured_content

    async def refused(self, tool: str, /, **arguments: Any) -> str:
        result = await self.client.call_tool(tool, arguments)
        assert result.is_error, f"{tool} was allowed: {str(result.structured_content)[:300]}"
        return result.content[0].text


async def as_person(gateway: Gateway, email: str, work) -> Any:
    tokens = sign_in(gateway.base_url, login_hint=email)
    async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), headers=tokens.bearer) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            return await work(Person(client))


def mail(to: str, **extra: Any) -> dict[str, Any]:
    return {"to": to, "subject": "Policy probe", "body": "Hello.", **extra}


async def test_outbound_mail_attachments_and_the_daily_send_cap(start_gateway: StartGateway, tmp_path: Path) -> None:
    gateway, _ = policy_gateway(start_gateway, tmp_path)

    async def work(alice: Person) -> None:
        text = await alice.refused("gmail_send", **mail("someone@other.example"))
        assert "mail.outbound = internal_only" in text and "someone@other.example is outside" in text, text
        # Confirming does not lift a refusal.
        text = await alice.refused("gmail_send", **mail("someone@other.example", confirm=True))
        assert "mail.outbound" in text, text
        big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
        attachment = {"filename": "big.bin", "mime_type": "application/octet-stream", "content_base64": big}
        text = await alice.refused("gmail_send", **mail(DANA, attachments=[attachment]))
        assert "mail.max_attachment_mb = 1" in text, text
        # Inside the company and at the allow-listed partner: sent (two of two today).
        await alice.ok("gmail_send", **mail(DANA))
        await alice.ok("gmail_send", **mail("Pat <pat@partner.example>"))
        text = await alice.refused("gmail_send", **mail(DANA))
        assert "mail.daily_send_limit = 2" in text and "00:00 UTC" in text, text
        # A draft is not sent: the person sends it from Gmail.
        await alice.ok("gmail_create_draft", **mail("someone@other.example"))

    await as_person(gateway, ALICE, work)


async def test_sharing_needs_confirmation_outside_and_guests_stay_inside(start_gateway: StartGateway, tmp_path: Path) -> None:
    gateway, _ = policy_gateway(start_gateway, tmp_path)

    async def work(alice: Person) -> None:
        files = (await alice.ok("drive_search", name="Offsite Plan"))["files"]
        file_id = files[0]["id"]
        text = await alice.refused("drive_share", file_id=file_id, email="guest@other.example")
        assert "drive.external_sharing = confirm" in text and "confirm: true" in text, text
        listed = await alice.ok("drive_list_permissions", file_id=file_id)
        assert "guest@other.example" not in json.dumps(listed), "a refused share was made"
        await alice.ok("drive_share", file_id=file_id, email="guest@other.example", confirm=True)
        await alice.ok("drive_share", file_id=file_id, email=DANA, role="commenter")
        text = await alice.refused("drive_share", file_id=file_id, email="erin@example.com")
        assert "drive.daily_share_limit = 2" in text, text

        event = {"summary": "Policy probe", "start": "2031-03-04T10:00:00Z", "end": "2031-03-04T11:00:00Z"}
        text = await alice.refused("calendar_create_event", **event, attendees=["guest@other.example"])
        assert "calendar.external_guests = deny" in text, text
        created = await alice.ok("calendar_create_event", **event, attendees=[DANA])
        text = await alice.refused(
            "calendar_update_event", event_id=created["id"], add_attendees=["guest@other.example"], confirm=True
        )
        assert "calendar.external_guests" in text, text

    await as_person(gateway, ALICE, work)


async def test_two_people_with_different_access_see_different_tools(start_gateway: StartGateway, tmp_path: Path) -> None:
    gateway, _ = policy_gateway(start_gateway, tmp_path)

    async def names(person: Person) -> set[str]:
        return {t.name for t in (await person.client.list_tools()).tools}

    alice_tools = await as_person(gateway, ALICE, names)

    async def dana_work(dana: Person) -> set[str]:
        tools = await names(dana)
        text = await dana.refused("gmail_send", **mail(ALICE))
        assert 'access rule "readers"' in text and "read-only" in text, text
        text = await dana.refused("drive_search", query="plan")
        assert "drive is off for you" in text, text
        assert (await dana.ok("gmail_search", query="in:inbox"))["messages"]
        return tools

    dana_tools = await as_person(gateway, DANA, dana_work)
    assert {"gmail_send", "drive_search", "sheets_write_range", "calendar_create_event"} <= alice_tools
    assert "gmail_search" in dana_tools and "calendar_list_events" in dana_tools and "whoami" in dana_tools
    forbidden = {t for t in dana_tools if t.startswith(("drive_", "docs_", "sheets_"))}
    assert not forbidden, forbidden
    assert not {"gmail_send", "gmail_trash", "calendar_create_event"} & dana_tools, dana_tools
    assert len(dana_tools) < len(alice_tools)


async def test_refusals_are_audited_with_their_rule(start_gateway: StartGateway, tmp_path: Path) -> None:
    gateway, _ = policy_gateway(start_gateway, tmp_path)

    async def work(alice: Person) -> None:
        await alice.refused("gmail_send", **mail("someone@other.example"))

    await as_person(gateway, ALICE, work)
    deadline = time.monotonic() + 10
    while True:
        done = audit(gateway, "--user", ALICE, "--since", "1h", "--json")
        assert done.returncode == 0, done.stderr
        events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        refused = [e for e in events if e.get("tool") == "gmail_send"]
        if refused or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert refused, events
    assert refused[0]["outcome"] == "policy_refused" and refused[0]["reason"] == "mail.outbound", refused[0]


async def test_a_change_applies_without_a_restart_and_a_bad_one_keeps_the_last_good(
    start_gateway: StartGateway, tmp_path: Path
) -> None:
    gateway, path = policy_gateway(start_gateway, tmp_path)

    async def work(alice: Person) -> None:
        await alice.refused("gmail_send", **mail("someone@other.example"))
        # A mistake on line 3: logged, and the policy in force stays.
        path.write_text('[mail]\n\noutbound = "whenever"\n')
        deadline = time.monotonic() + 10
        while "policy file change refused" not in gateway.log_path.read_text():
            assert time.monotonic() < deadline, gateway.log_tail()
            time.sleep(0.1)
        line = next(
            json.loads(l) for l in gateway.log_path.read_text().splitlines()
            if "policy file change refused" in l
        )
        assert "line 3" in json.dumps(line), line
        text = await alice.refused("gmail_send", **mail("someone@other.example"))
        assert "internal_only" in text, text
        # A good change applies within POLICY_RELOAD_SECONDS (1 s here).
        path.write_text('[mail]\noutbound = "confirm_external"\n')
        started = time.monotonic()
        while True:
            result = await alice.client.call_tool("gmail_send", mail("someone@other.example"))
            text = result.content[0].text
            if "confirm_external" in text:
                break
            assert time.monotonic() - started < 10, text
            time.sleep(0.2)
        applied = time.monotonic() - started
        print(f"policy change applied after {applied:.2f} s")
        await alice.ok("gmail_send", **mail("someone@other.example", confirm=True))

    await as_person(gateway, ALICE, work)


def test_a_malformed_file_stops_the_gateway_at_start_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[mail]\noutbound = "internal_only"\n\n[[access]]\nname = "x"\ngroups = ["nobody"]\n')
    port = free_port()
    env = {**default_environment(port, tmp_path / "data"), "POLICY_FILE": str(path)}
    env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    done = subprocess.run(
        [str(gateway_binary()), "demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "POLICY_FILE" in done.stderr and "line 6" in done.stderr and '"nobody" is not defined' in done.stderr, done.stderr
    checked = subprocess.run(
        [str(gateway_binary()), "check-config"],
        env={**env, "GOOGLE_CLIENT_ID": "x.apps.googleusercontent.com", "GOOGLE_CLIENT_SECRET": "s",
             "ALLOWED_DOMAIN": "example.com", "SESSION_SECRET": "x" * 48},
        capture_output=True, text=True, timeout=60,
    )
    assert checked.returncode == 2, checked.stdout


def test_check_config_shows_the_policy_without_group_members(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATA_DIR": str(tmp_path / "data"),
        "GOOGLE_CLIENT_ID": "x.apps.googleusercontent.com",
        "GOOGLE_CLIENT_SECRET": "s",
        "ALLOWED_DOMAIN": "example.com",
        "SESSION_SECRET": "x" * 48,
        "POLICY_FILE": str(path),
    }
    done = subprocess.run([str(gateway_binary()), "check-config"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mail.outbound" in done.stdout and "internal_only (also allowed: partner.example)" in done.stdout, done.stdout
    assert "groups.readers" in done.stdout and "1 members" in done.stdout, done.stdout
    assert "dana@example.com" not in done.stdout, done.stdout


def test_sign_in_asks_google_only_for_scopes_someone_may_use(start_gateway: StartGateway, tmp_path: Path) -> None:
    everyone_reads = '[[access]]\nname = "all"\nusers = ["*"]\nread_only = true\nservices = ["gmail"]\n'

    def scopes_asked(gateway: Gateway) -> set[str]:
        with httpx.Client(timeout=10.0, follow_redirects=False) as http:
            metadata = discover(http, gateway.base_url)
            client = register_client(http, metadata["registration_endpoint"])
            _, challenge = pkce_pair()
            answer = http.get(metadata["authorization_endpoint"], params={
                "response_type": "code", "client_id": client["client_id"],
                "redirect_uri": client["redirect_uris"][0], "code_challenge": challenge,
                "code_challenge_method": "S256", "state": "s", "resource": gateway.mcp_url,
            })
            assert answer.status_code in (302, 303), answer.text
            location = httpx.URL(answer.headers["location"])
            return set(location.params["scope"].split())

    gateway, path = policy_gateway(start_gateway, tmp_path, text=everyone_reads)
    scopes = {s.rsplit("/", 1)[-1] for s in scopes_asked(gateway)}
    assert scopes == {"openid", "email", "profile", "gmail.readonly"}, scopes
    path.write_text("")
    deadline = time.monotonic() + 10
    while "gmail.send" not in {s.rsplit("/", 1)[-1] for s in scopes_asked(gateway)}:
        assert time.monotonic() < deadline
        time.sleep(0.2)
