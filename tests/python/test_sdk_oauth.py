"""The official MCP Python SDK's own OAuth client (`mcp.client.auth.OAuthClientProvider`) against the demo.

The SDK discovers the authorization server from the 401, registers itself,
and hands the authorization URL to `redirect_handler`; here that handler is the
browser: it follows the redirect chain (fake Google, the gateway's callback) to
the loopback redirect URI, and `callback_handler` returns what arrived there.
"""

from __future__ import annotations

import json

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from gateway import ALLOWED_USER, Gateway
from oauth_flow import REDIRECT_URI, follow_to_redirect_uri

pytestmark = pytest.mark.anyio


class MemoryStorage(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class LoopbackBrowser:
    """redirect_handler + callback_handler for OAuthClientProvider."""

    def __init__(self) -> None:
        self.authorization_urls: list[httpx.URL] = []
        self.params: dict[str, str] = {}

    async def redirect(self, url: str) -> None:
        self.authorization_urls.append(httpx.URL(url))
        with httpx.Client(timeout=10.0, follow_redirects=False) as http:
            self.params = follow_to_redirect_uri(http, url, REDIRECT_URI)

    async def callback(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.params.get("code", ""), state=self.params.get("state"), iss=self.params.get("iss")
        )


def sdk_oauth(server_url: str, client_name: str) -> tuple[OAuthClientProvider, MemoryStorage, LoopbackBrowser]:
    """The SDK's OAuth provider for `server_url` as a public client with a loopback redirect."""
    storage = MemoryStorage()
    browser = LoopbackBrowser()
    auth = OAuthClientProvider(
        server_url=server_url,
        client_metadata=OAuthClientMetadata(
            client_name=client_name,
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.redirect,
        callback_handler=browser.callback,
    )
    return auth, storage, browser


async def test_python_sdk_runs_the_oauth_flow(gateway: Gateway) -> None:
    auth, storage, browser = sdk_oauth(gateway.mcp_url, "gateway-python-sdk-oauth")
    seen: list[tuple[str, str, int]] = []
    token_forms: list[dict[str, list[str]]] = []

    async def on_response(response: httpx2.Response) -> None:
        request = response.request
        seen.append((request.method, request.url.path, response.status_code))
        if request.url.path == "/oauth/token":
            token_forms.append(httpx.QueryParams(request.content.decode()).multi_items())

    async with httpx2.AsyncClient(
        auth=auth, timeout=httpx2.Timeout(30.0, read=60.0), event_hooks={"response": [on_response]}
    ) as http:
        async with Client(streamable_http_client(gateway.mcp_url, http_client=http)) as client:
            result = await client.call_tool("whoami", {})
            assert result.is_error is not True, result.content
            me = result.structured_content
            assert me is not None
            assert me["email"] == ALLOWED_USER
            assert me["domain"] == "example.com"
            assert storage.client_info is not None and me["client_id"] == storage.client_info.client_id

    paths = [(method, path) for method, path, _ in seen]
    assert seen[0][1:] == ("/mcp", 401), seen
    assert ("GET", "/.well-known/oauth-protected-resource/mcp") in paths, paths
    assert ("POST", "/oauth/register") in paths, paths
    [authorize] = browser.authorization_urls
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["resource"] == gateway.mcp_url
    token_form = dict(token_forms[0])
    assert token_form["grant_type"] == "authorization_code"
    assert token_form["resource"] == gateway.mcp_url
    assert token_form["code_verifier"]
    assert storage.tokens is not None and storage.tokens.refresh_token
    assert json.loads(storage.tokens.model_dump_json())["token_type"].lower() == "bearer"
