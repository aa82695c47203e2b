"""The client side: the gateway's OAuth flow and MCP calls aimed at one task.

Every request goes to a task's own port with the `Host` of PUBLIC_URL, as the
load balancer forwards it; URLs the gateway hands out (metadata, redirects)
name PUBLIC_URL, i.e. task A.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

sys.path.append(str(Path(__file__).resolve().parents[1] / "python"))

from mcp_http import (  # noqa: E402
    LATEST_LEGACY_VERSION,
    SESSION_HEADER,
    STATELESS_VERSION,
    VERSION_HEADER,
    RpcReply,
    open_session,
    post,
)
from oauth_flow import REDIRECT_URI, Tokens, pkce_pair  # noqa: E402

from procs import Task  # noqa: E402

__all__ = [
    "LATEST_LEGACY_VERSION",
    "SESSION_HEADER",
    "VERSION_HEADER",
    "Tokens",
    "open_session",
]


def http_for(task: Task, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
    """A client for `task` with the load balancer's Host (and the bearer token when given)."""
    headers = dict(task.host_header)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=task.local_url, headers=headers, timeout=timeout, follow_redirects=False)


@dataclass
class Client:
    client_id: str
    client_secret: str | None


@dataclass
class PendingCode:
    client: Client
    code: str
    verifier: str


def register(task: Task, confidential: bool = False) -> Client:
    with http_for(task) as http:
        answer = http.post(
            "/oauth/register",
            json={
                "client_name": "multitask-tests",
                "redirect_uris": [REDIRECT_URI],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post" if confidential else "none",
            },
        )
    assert answer.status_code == 201, f"registration: {answer.status_code} {answer.text}"
    body = answer.json()
    if confidential:
        assert body.get("client_secret"), body
    return Client(body["client_id"], body.get("client_secret"))


def authorize(task: Task, client: Client | None = None) -> PendingCode:
    """Registration (unless given), /oauth/authorize on `task`, the fake Google, the
    callback, up to the client's redirect URI; returns the unredeemed code."""
    client = client or register(task)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    resource = f"{task.public_url}/mcp"
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        "scope": "mcp",
        "resource": resource,
    }
    url = str(httpx.URL(f"{task.local_url}/oauth/authorize", params=query))
    with httpx.Client(timeout=30.0, follow_redirects=False) as browser:
        for _ in range(10):
            # The browser: requests to PUBLIC_URL go to this task, with PUBLIC_URL's Host.
            target = url
            headers = {}
            if url.startswith(task.public_url):
                target = task.local_url + url[len(task.public_url) :]
                headers = task.host_header
            answer = browser.get(target, headers=headers)
            assert answer.status_code in (302, 303), (
                f"expected a redirect from {target.split('?')[0]}: {answer.status_code} {answer.text[:300]}"
            )
            url = urljoin(url, answer.headers["location"])
            if url.split("?")[0] == REDIRECT_URI:
                params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                assert params.get("state") == state, params
                assert "code" in params, params
                return PendingCode(client, params["code"], verifier)
    raise AssertionError("the sign-in never reached the client's redirect URI")


def redeem(task: Task, pending: PendingCode) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": pending.code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": pending.verifier,
        "client_id": pending.client.client_id,
        "resource": f"{task.public_url}/mcp",
    }
    if pending.client.client_secret:
        form["client_secret"] = pending.client.client_secret
    with http_for(task) as http:
        return http.post("/oauth/token", data=form)


def refresh(task: Task, client: Client, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client.client_id,
        "resource": f"{task.public_url}/mcp",
    }
    if client.client_secret:
        form["client_secret"] = client.client_secret
    with http_for(task) as http:
        return http.post("/oauth/token", data=form)


@dataclass
class SignIn:
    client: Client
    access_token: str
    refresh_token: str
    body: dict[str, Any]


def sign_in(task: Task, confidential: bool = False) -> SignIn:
    """The whole flow on `task`: registration, authorization, token."""
    pending = authorize(task, register(task, confidential))
    answer = redeem(task, pending)
    assert answer.status_code == 200, f"token: {answer.status_code} {answer.text}"
    body = answer.json()
    return SignIn(pending.client, body["access_token"], body["refresh_token"], body)


def call_tool(
    http: httpx.Client, name: str, arguments: dict[str, Any] | None = None, request_id: int = 1
) -> RpcReply:
    """One stateless (2026-07-28) tools/call on the client's task."""
    message = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {
            "name": name,
            "arguments": arguments or {},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": STATELESS_VERSION,
                "io.modelcontextprotocol/clientInfo": {"name": "multitask-tests", "version": "1.0.0"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
    return post(
        http,
        "/mcp",
        message,
        protocol_version=STATELESS_VERSION,
        headers={"Mcp-Method": "tools/call", "Mcp-Name": name},
    )


def tool_result(reply: RpcReply, request_id: int = 1) -> dict[str, Any]:
    assert reply.status == 200, f"{reply.status}: {reply.response.text[:500]}"
    return reply.result_for(request_id)


def session_request(
    http: httpx.Client, session_id: str, method: str, params: dict[str, Any] | None, request_id: int
) -> RpcReply:
    """A request inside a legacy session (Mcp-Session-Id), with no initialize of its own."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return post(http, "/mcp", message, session_id=session_id, protocol_version=LATEST_LEGACY_VERSION)


def start_session(http: httpx.Client) -> str:
    return open_session(http, "/mcp")
