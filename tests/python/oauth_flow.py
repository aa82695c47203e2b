"""A small OAuth 2.1 client of the gateway's authorization server, as an MCP client runs it.

Dynamic client registration with a loopback redirect URI, PKCE S256,
`/oauth/authorize` with `resource` and `state`, then the "browser": redirects
are followed one by one (through the demo's fake Google and the gateway's
`/oauth/callback`) until the loopback redirect URI, where the code is read
and `state` and `iss` are checked; finally `/oauth/token`. Nothing listens on
the loopback redirect URI: the client stops when a redirect points there.

Run against `mcp-gateway demo --auto-approve <email>`, so the fake Google
signs in without showing its account chooser.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

REDIRECT_URI = "http://127.0.0.1:53682/callback"
MAX_REDIRECTS = 10


class AuthorizationError(Exception):
    """The redirect chain ended at the client with `error=...` instead of a code."""

    def __init__(self, params: dict[str, str]) -> None:
        self.params = params
        super().__init__(f"{params.get('error')}: {params.get('error_description', '')}")


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    scope: str | None
    client_id: str
    response: dict[str, Any]

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def register_client(http: httpx.Client, registration_endpoint: str, redirect_uri: str = REDIRECT_URI) -> dict[str, Any]:
    response = http.post(
        registration_endpoint,
        json={
            "client_name": "gateway-python-tests",
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
    )
    assert response.status_code == 201, f"registration answered {response.status_code}: {response.text}"
    return response.json()


def discover(http: httpx.Client, issuer: str) -> dict[str, Any]:
    response = http.get(f"{issuer}/.well-known/oauth-authorization-server")
    response.raise_for_status()
    metadata = response.json()
    assert metadata["issuer"] == issuer, metadata
    return metadata


def follow_to_redirect_uri(http: httpx.Client, url: str, redirect_uri: str) -> dict[str, str]:
    """GET `url` and each Location in turn until one points at `redirect_uri`; returns its query."""
    for _ in range(MAX_REDIRECTS):
        response = http.get(url)
        assert response.status_code in (302, 303), (
            f"expected a redirect from {url.split('?')[0]}, got {response.status_code}: {response.text[:500]}"
        )
        url = urljoin(url, response.headers["location"])
        if url.split("?")[0] == redirect_uri:
            return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    raise AssertionError(f"no redirect to {redirect_uri} after {MAX_REDIRECTS} hops")


def sign_in(
    base_url: str, *, redirect_uri: str = REDIRECT_URI, timeout: float = 10.0, login_hint: str | None = None
) -> Tokens:
    """The whole authorization-code flow; returns the gateway's tokens.

    `login_hint` is passed on to Google, whose demo signs in that account."""
    issuer = base_url.rstrip("/")
    resource = f"{issuer}/mcp"
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        metadata = discover(http, issuer)
        client = register_client(http, metadata["registration_endpoint"], redirect_uri)
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        hint = {"login_hint": login_hint} if login_hint else {}
        authorize = httpx.URL(
            metadata["authorization_endpoint"],
            params={
                **hint,
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": state,
                "scope": "mcp",
                "resource": resource,
            },
        )
        params = follow_to_redirect_uri(http, str(authorize), redirect_uri)
        assert params.get("state") == state, f"state mismatch: {params}"
        assert params.get("iss") == issuer, f"iss mismatch (RFC 9207): {params}"
        if "error" in params:
            raise AuthorizationError(params)
        response = http.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": client["client_id"],
                "resource": resource,
            },
        )
        assert response.status_code == 200, f"token endpoint answered {response.status_code}: {response.text}"
        body = response.json()
        assert body["token_type"].lower() == "bearer", body
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_in=body.get("expires_in"),
            scope=body.get("scope"),
            client_id=client["client_id"],
            response=body,
        )


def refresh(base_url: str, tokens: Tokens, *, timeout: float = 10.0) -> httpx.Response:
    """The refresh_token grant (the raw response, so tests can check errors too)."""
    issuer = base_url.rstrip("/")
    with httpx.Client(timeout=timeout) as http:
        return http.post(
            f"{issuer}/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token or "",
                "client_id": tokens.client_id,
                "resource": f"{issuer}/mcp",
            },
        )
