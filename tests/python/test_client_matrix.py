"""Every MCP client of docs/clients.md connects to the demo on the first try.

Each row of tests/clients/matrix.json is replayed as that client makes its
requests: the unauthenticated first request, the metadata locations it tries
in its order (each must answer), its registration body (twice for a client
that registers twice), or its client ID metadata document served from
loopback with its real redirect URIs, the authorize parameters it sends
(scope and `resource` or not), its token-endpoint authentication, its
refreshes (two at once for a client that refreshes from two places), and its
MCP traffic at its protocol revision (session, GET stream, reconnect). A
legitimate step refused fails the test. Redirect URIs that only resemble a
known client's are refused.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from gateway import Gateway, StartGateway
from mcp_http import ACCEPT_BOTH, SESSION_HEADER, initialize_message, parse_messages, post
from oauth_flow import follow_to_redirect_uri, pkce_pair

MATRIX = json.loads((Path(__file__).resolve().parents[1] / "clients" / "matrix.json").read_text())["clients"]
LOOPBACK_PORT = 43117


def discovery_url(token: str, base: str, from_401: str) -> str:
    return {
        "prm_from_401": from_401,
        "prm_path": f"{base}/.well-known/oauth-protected-resource/mcp",
        "prm_root": f"{base}/.well-known/oauth-protected-resource",
        "asm_path_insert": f"{base}/.well-known/oauth-authorization-server/mcp",
        "asm_root": f"{base}/.well-known/oauth-authorization-server",
        "oidc_path_insert": f"{base}/.well-known/openid-configuration/mcp",
        "oidc_root": f"{base}/.well-known/openid-configuration",
        "oidc_path_append": f"{base}/mcp/.well-known/openid-configuration",
    }[token]


def with_port(value: Any) -> Any:
    return json.loads(json.dumps(value).replace("{port}", str(LOOPBACK_PORT)))


class DocumentServer:
    """Serves one client ID metadata document on loopback, as its https URL would."""

    def __init__(self, path: str, document: dict[str, Any]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path != path:
                    self.send_error(404)
                    return
                body = json.dumps(outer.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        self.document = {**document, "client_id": self.url}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def token_request(http: httpx.Client, endpoint: str, form: dict[str, str], client: dict[str, Any],
                  auth: str) -> httpx.Response:
    form = dict(form)
    headers = {}
    if auth == "client_secret_basic":
        raw = f"{client['client_id']}:{client['client_secret']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
    else:
        form["client_id"] = client["client_id"]
        if auth == "client_secret_post":
            form["client_secret"] = client["client_secret"]
    return http.post(endpoint, data=form, headers=headers)


def replay(gateway: Gateway, row: dict[str, Any]) -> None:
    name = row["name"]
    base = gateway.base_url
    mcp = gateway.mcp_url
    version = row.get("protocol_version") or "2025-06-18"
    served: DocumentServer | None = None
    with httpx.Client(timeout=15.0, follow_redirects=False) as http:
        # 1. The first request, without a token.
        first = http.post(mcp, json=initialize_message(version),
                          headers={"Accept": ACCEPT_BOTH, "Content-Type": "application/json"})
        assert first.status_code == 401, f"{name}: first request answered {first.status_code}"
        challenge = first.headers["www-authenticate"]
        from_401 = challenge.split('resource_metadata="')[1].split('"')[0]

        # 2. Discovery in the client's order: every location it tries answers.
        resource_metadata: dict[str, Any] | None = None
        server_metadata: dict[str, Any] | None = None
        for step in row["discovery"]:
            url = discovery_url(step, base, from_401)
            answer = http.get(url)
            assert answer.status_code == 200, f"{name}: discovery step {step} ({url}) answered {answer.status_code}"
            if step.startswith("prm"):
                resource_metadata = resource_metadata or answer.json()
            else:
                server_metadata = server_metadata or answer.json()
        if resource_metadata is not None:
            assert resource_metadata["resource"] == mcp, f"{name}: {resource_metadata}"
            assert resource_metadata["authorization_servers"] == [base]
        if server_metadata is None:
            server_metadata = http.get(f"{base}/.well-known/oauth-authorization-server").json()
        assert server_metadata["issuer"] == base
        assert "S256" in server_metadata["code_challenge_methods_supported"]

        # 3. Registration.
        redirect_uri = with_port(row["redirect_uri"])
        auth = row.get("token_auth") or "none"
        if row["registration"] == "dcr":
            body = with_port(row["register_body"])
            registered = None
            for attempt in range(2 if row.get("registers_twice") else 1):
                answer = http.post(server_metadata["registration_endpoint"], json=body)
                assert answer.status_code == 201, f"{name}: registration #{attempt + 1} answered {answer.status_code}: {answer.text}"
                registered = answer.json()
            assert registered is not None
            client = registered
        elif row["registration"] == "cimd":
            assert server_metadata.get("client_id_metadata_document_supported") is True
            path = urlsplit(row["cimd_url"]).path or "/client.json"
            served = DocumentServer(path, with_port(row["cimd_document"]))
            client = {"client_id": served.url}
        else:
            pytest.skip(f"{name} is pre-registered by an administrator")

        try:
            # 4. Authorization, through the demo's fake Google.
            verifier, challenge_value = pkce_pair()
            state = secrets.token_urlsafe(12)
            params = {
                "response_type": "code",
                "client_id": client["client_id"],
                "redirect_uri": redirect_uri,
                "code_challenge": challenge_value,
                "code_challenge_method": "S256",
                "state": state,
            }
            if row.get("scope"):
                params["scope"] = row["scope"]
            if row.get("sends_resource", True):
                params["resource"] = mcp
            url = str(httpx.URL(server_metadata["authorization_endpoint"], params=params))
            answer = follow_to_redirect_uri(http, url, redirect_uri)
            assert "code" in answer, f"{name}: authorization ended with {answer}"
            assert answer["state"] == state and answer["iss"] == base, f"{name}: {answer}"

            # 5. Tokens.
            form = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": redirect_uri,
                    "code_verifier": verifier}
            if row.get("sends_resource", True):
                form["resource"] = mcp
            issued = token_request(http, server_metadata["token_endpoint"], form, client, auth)
            assert issued.status_code == 200, f"{name}: token request answered {issued.status_code}: {issued.text}"
            tokens = issued.json()

            # 6. Refresh (two at once for a client that refreshes from two places).
            refresh_form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
            if row.get("sends_resource", True):
                refresh_form["resource"] = mcp
            racers = 2 if row.get("concurrent_refresh") else 1
            with ThreadPoolExecutor(racers) as pool:
                answers = list(pool.map(
                    lambda _: token_request(httpx.Client(timeout=15.0), server_metadata["token_endpoint"],
                                            refresh_form, client, auth),
                    range(racers),
                ))
            for refreshed in answers:
                assert refreshed.status_code == 200, f"{name}: refresh answered {refreshed.status_code}: {refreshed.text}"
            access = answers[-1].json()["access_token"]
        finally:
            if served is not None:
                served.close()

    # 7. MCP at the client's revision, with the refreshed token.
    with httpx.Client(timeout=15.0, headers={"Authorization": f"Bearer {access}"}) as http:
        for connection in ("first", "reconnect"):
            reply = post(http, mcp, initialize_message(version))
            assert reply.status == 200, f"{name}: initialize ({connection}) answered {reply.status}: {reply.response.text}"
            negotiated = reply.result_for(1)["protocolVersion"]
            assert negotiated == version, f"{name}: asked for {version}, got {negotiated}"
            session_id = reply.response.headers.get(SESSION_HEADER)
            assert session_id, f"{name}: no session"
            header = {} if version == "2025-03-26" else {"MCP-Protocol-Version": version}
            notified = post(http, mcp, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                            session_id=session_id, headers=header)
            assert notified.status == 202, f"{name}: {notified.response.text}"
            if row.get("opens_get_stream"):
                with http.stream("GET", mcp, headers={"Accept": "text/event-stream", SESSION_HEADER: session_id,
                                                      **header}) as stream:
                    assert stream.status_code == 200, f"{name}: GET stream answered {stream.status_code}"
                    assert stream.headers["content-type"].startswith("text/event-stream")
            listed = post(http, mcp, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                          session_id=session_id, headers=header)
            tools = listed.result_for(2)["tools"]
            assert len(tools) >= 20, f"{name}: {connection} connection lists {len(tools)} tools"
            me = post(http, mcp, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                  "params": {"name": "whoami", "arguments": {}}},
                      session_id=session_id, headers=header)
            assert "alice@example.com" in json.dumps(me.result_for(3)), f"{name}: {me.response.text[:300]}"
            if connection == "first":
                closed = http.delete(mcp, headers={SESSION_HEADER: session_id, **header})
                assert closed.status_code in (200, 204), f"{name}: DELETE answered {closed.status_code}"
            assert parse_messages(listed.response)


@pytest.mark.parametrize("row", MATRIX, ids=[row["id"] for row in MATRIX])
def test_client_connects_on_the_first_try(start_gateway: StartGateway, row: dict[str, Any]) -> None:
    # A self-hosted client's callback is on its operator's domain, which the
    # gateway's operator adds (OAUTH_EXTRA_REDIRECT_URIS); "gateway_env" says so.
    replay(start_gateway(**row.get("gateway_env", {})), row)


def lookalikes(uri: str) -> list[str]:
    parts = urlsplit(uri)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return [
        urlunsplit((parts.scheme, f"{host}.evil.example{port}", parts.path, parts.query, "")),
        urlunsplit((parts.scheme, f"evil-{host}{port}", parts.path, parts.query, "")),
        urlunsplit((parts.scheme, f"{host}{port}", parts.path.rstrip("/") + "/extra", parts.query, "")),
        urlunsplit((parts.scheme, f"user@{host}{port}", parts.path, parts.query, "")),
        urlunsplit(("http", f"{host}{port}", parts.path, parts.query, "")),
    ]


KNOWN_HTTPS = sorted({
    uri for row in MATRIX if "gateway_env" not in row
    for uri in [row["redirect_uri"], *((row.get("register_body") or {}).get("redirect_uris") or []),
                *((row.get("cimd_document") or {}).get("redirect_uris") or [])]
    if uri.startswith("https://") and "{port}" not in uri
})


def test_known_https_redirects_are_accepted_and_lookalikes_refused(start_gateway: StartGateway) -> None:
    gateway = start_gateway(OAUTH_REGISTRATION_BURST=1000)
    assert KNOWN_HTTPS, "the matrix names no https redirect URI"
    with httpx.Client(timeout=15.0) as http:
        for uri in KNOWN_HTTPS:
            answer = http.post(f"{gateway.base_url}/oauth/register", json={"redirect_uris": [uri]})
            assert answer.status_code == 201, f"{uri}: {answer.text}"
            for fake in lookalikes(uri):
                answer = http.post(f"{gateway.base_url}/oauth/register", json={"redirect_uris": [fake]})
                assert answer.status_code == 400, f"{fake} (resembling {uri}) was accepted"
                assert answer.json()["error"] == "invalid_redirect_uri", answer.text
