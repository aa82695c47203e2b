"""Refused requests leave a kept-alive connection usable.

A server that answers before reading the request body cannot find the next
request on the connection and closes it; a client that already reused the
connection sees "server disconnected". The gateway reads every body first
(or answers `Connection: close` for a body over its limit), so a client that
keeps reusing one connection through refusals of every kind sees no
transport error.
"""

from __future__ import annotations

import random

import httpx

from gateway import Gateway, StartGateway
from mcp_http import ACCEPT_BOTH

REQUESTS = 1_000
# Body sizes from empty to past the OAuth endpoints' 64 KiB limit.
SIZES = (0, 1, 100, 1_000, 8_000, 40_000, 70_000, 200_000)


def refusal(gateway: Gateway, rng: random.Random) -> tuple[str, str, dict[str, str], bytes, tuple[int, ...]]:
    size = rng.choice(SIZES)
    filler = b"x" * size
    kind = rng.randrange(7)
    if kind == 0:  # /mcp without a token
        body = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","pad":"' + filler + b'"}'
        return "POST", "/mcp", {"Accept": ACCEPT_BOTH, "Content-Type": "application/json"}, body, (401,)
    if kind == 1:  # /mcp with a forged token
        headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json", "Authorization": "Bearer gwa.forged"}
        return "POST", "/mcp", headers, filler, (401,)
    if kind == 2:  # token endpoint: unknown grant
        body = b"grant_type=password&username=" + filler
        return "POST", "/oauth/token", {"Content-Type": "application/x-www-form-urlencoded"}, body, (400, 401, 413)
    if kind == 3:  # registration with a refused redirect URI
        body = b'{"redirect_uris":["https://evil.example/cb"],"client_name":"' + filler + b'"}'
        return "POST", "/oauth/register", {"Content-Type": "application/json"}, body, (400, 413, 429)
    if kind == 4:  # revocation without a client
        return "POST", "/oauth/revoke", {"Content-Type": "application/x-www-form-urlencoded"}, b"token=" + filler, (401, 400, 413)
    if kind == 5:  # /mcp with a valid token, over the per-user request limit
        headers = {"Accept": ACCEPT_BOTH, "Content-Type": "application/json", **gateway.bearer}
        body = b'{"jsonrpc":"2.0","id":1,"method":"ping","pad":"' + filler + b'"}'
        return "POST", "/mcp", headers, body, (200, 413, 429)
    # an endpoint that does not exist
    return "POST", "/nowhere", {"Content-Type": "application/octet-stream"}, filler, (404, 405, 413)


def test_a_thousand_refusals_over_reused_connections_cause_no_transport_error(start_gateway: StartGateway) -> None:
    # One address sends them all: lift the per-address OAuth limit, whose 429s are
    # a refusal of their own (tests/it/oauth_clients.rs).
    # The per-user MCP request limit is lowered so that most authenticated
    # requests get its 429.
    gateway = start_gateway(OAUTH_REQUEST_BURST=100000, RATE_LIMIT_REQUEST_BURST=3, RATE_LIMIT_REQUESTS_PER_MINUTE=6)
    assert gateway.bearer, "sign in before the refusals start"
    rng = random.Random(20261204)
    transport_errors: list[str] = []
    wrong_status: list[str] = []
    closed_by_server = 0
    limited = 0
    # One connection at a time, reused for as long as the server keeps it.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=gateway.local_url, timeout=10.0, limits=limits) as http:
        for i in range(REQUESTS):
            method, path, headers, body, expected = refusal(gateway, rng)
            try:
                response = http.request(method, path, headers=headers, content=body)
            except httpx.TransportError as exc:
                transport_errors.append(f"#{i} {method} {path} ({len(body)} bytes): {exc!r}")
                continue
            limited += response.status_code == 429 and path == "/mcp"
            if response.status_code not in expected:
                wrong_status.append(f"#{i} {method} {path}: {response.status_code} {response.text[:200]}")
            if response.headers.get("connection", "").lower() == "close":
                closed_by_server += 1
    print(f"\n{REQUESTS} refused requests: {len(transport_errors)} transport errors, "
          f"{closed_by_server} answered with Connection: close, {limited} MCP requests limited (429)")
    assert limited > 50, "the per-user request limit was not exercised"
    assert not transport_errors, "\n".join(transport_errors[:20])
    assert not wrong_status, "\n".join(wrong_status[:20])


def test_an_oversized_body_is_refused_with_connection_close(gateway: Gateway) -> None:
    with httpx.Client(base_url=gateway.local_url, timeout=10.0) as http:
        response = http.post("/oauth/token", content=b"a" * 100_000,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413, response.text
        assert response.headers.get("connection", "").lower() == "close"
        assert response.json()["error"] == "invalid_request"
        # The client opens a new connection and goes on.
        assert http.get("/health").status_code == 200
