"""The gateway as OAuth 2.1 resource and authorization server, seen by a client over raw HTTP."""

from __future__ import annotations

import time

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import oauth_flow
from gateway import Gateway, StartGateway
from mcp_http import STATELESS_VERSION, initialize_message, post


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(10.0)) as client:
        yield client


# oauth/README.md: a rotated refresh token presented again within this many
# seconds is a concurrent duplicate.
ROTATION_GRACE_SECONDS = 5


def whoami(http: httpx.Client, gateway: Gateway, headers: dict[str, str]) -> dict:
    message = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {
            "name": "whoami",
            "arguments": {},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
                "io.modelcontextprotocol/clientInfo": {"name": "gateway-python-tests", "version": "1.0.0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
    reply = post(
        http,
        gateway.mcp_url,
        message,
        protocol_version=STATELESS_VERSION,
        headers={"Mcp-Method": "tools/call", "Mcp-Name": "whoami", **headers},
    )
    assert reply.status == 200, reply.response.text
    return reply.result_for(7)["structuredContent"]


def test_mcp_without_a_token_is_401_with_resource_metadata(gateway: Gateway, http: httpx.Client) -> None:
    reply = post(http, gateway.mcp_url, initialize_message())
    assert reply.status == 401
    assert reply.response.headers["www-authenticate"] == (
        f'Bearer resource_metadata="{gateway.base_url}/.well-known/oauth-protected-resource/mcp", scope="mcp"'
    )
    assert "mcp-session-id" not in reply.response.headers


@pytest.mark.parametrize("token", ["not-a-token", "gwa.e30.e30"])
def test_mcp_with_a_bad_token_is_401(gateway: Gateway, http: httpx.Client, token: str) -> None:
    reply = post(http, gateway.mcp_url, initialize_message(), headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 401
    assert reply.response.headers["www-authenticate"].startswith("Bearer ")


def test_discovery_documents(gateway: Gateway, http: httpx.Client) -> None:
    issuer = gateway.base_url
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        resource = http.get(issuer + path)
        assert resource.status_code == 200, path
        assert resource.json()["resource"] == gateway.mcp_url
        assert resource.json()["authorization_servers"] == [issuer]
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        metadata = http.get(issuer + path)
        assert metadata.status_code == 200, path
        body = metadata.json()
        assert body["issuer"] == issuer
        assert body["code_challenge_methods_supported"] == ["S256"]
        assert body["registration_endpoint"] == f"{issuer}/oauth/register"
        assert body["authorization_response_iss_parameter_supported"] is True


def test_sign_in_gives_tokens_for_alice(gateway: Gateway, http: httpx.Client) -> None:
    tokens = gateway.tokens
    assert tokens.refresh_token and tokens.expires_in and tokens.expires_in > 0
    me = whoami(http, gateway, tokens.bearer)
    assert me["email"] == "alice@example.com"
    assert me["domain"] == "example.com"
    assert me["client_id"] == tokens.client_id
    assert "openid" in me["google_scopes"]


def test_refresh_rotates_the_refresh_token(gateway: Gateway, http: httpx.Client) -> None:
    first = gateway.tokens
    response = oauth_flow.refresh(gateway.base_url, first)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refresh_token"] != first.refresh_token
    assert whoami(http, gateway, {"Authorization": f"Bearer {body['access_token']}"})["email"] == "alice@example.com"

    # Presented again at once (a client refreshing from two places, or
    # retrying a lost answer): within the rotation grace, working tokens.
    again = oauth_flow.refresh(gateway.base_url, first)
    assert again.status_code == 200, again.text

    # After the grace the used refresh token is dead (rotation), and its reuse
    # revokes the sign-in.
    time.sleep(ROTATION_GRACE_SECONDS + 1.5)
    reused = oauth_flow.refresh(gateway.base_url, first)
    assert reused.status_code == 400, reused.text
    assert reused.json()["error"] == "invalid_grant"
    assert "revoked" in reused.json()["error_description"]


def test_revoked_refresh_token_no_longer_refreshes(gateway: Gateway, http: httpx.Client) -> None:
    tokens = gateway.tokens
    revoked = http.post(
        f"{gateway.base_url}/oauth/revoke",
        data={"token": tokens.refresh_token, "token_type_hint": "refresh_token", "client_id": tokens.client_id},
    )
    assert revoked.status_code == 200, revoked.text
    refreshed = oauth_flow.refresh(gateway.base_url, tokens)
    assert refreshed.status_code == 400, refreshed.text
    assert refreshed.json()["error"] == "invalid_grant"


def test_user_outside_the_allowed_domain_is_refused(start_gateway: StartGateway) -> None:
    gateway = start_gateway(auto_approve="bob@other.example")
    with pytest.raises(oauth_flow.AuthorizationError) as refused:
        oauth_flow.sign_in(gateway.base_url)
    assert refused.value.params["error"] == "access_denied"
    # The description names the refused domain.
    assert "other.example" in refused.value.params.get("error_description", "")


def test_token_of_another_gateway_is_refused(start_gateway: StartGateway, tmp_path: Path, http: httpx.Client) -> None:
    # Two independent gateways (own data directories, so own signing secrets).
    ours = start_gateway(data_dir=tmp_path / "ours")
    theirs = start_gateway(data_dir=tmp_path / "theirs")
    reply = post(http, ours.mcp_url, initialize_message(), headers=theirs.bearer)
    assert reply.status == 401, reply.response.text
