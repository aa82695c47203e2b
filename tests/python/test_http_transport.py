"""Streamable HTTP behaviour of /mcp seen with raw HTTP: sessions, limits, and host and origin checks.

Every request carries the access token of one sign-in as alice@example.com.
"""

from __future__ import annotations

import time

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway import Gateway, StartGateway
from mcp_http import (
    LEGACY_VERSIONS,
    SESSION_HEADER,
    VERSION_HEADER,
    initialize_message,
    open_session,
    post,
    tools_list,
)


def signed_in_client(gateway: Gateway) -> httpx.Client:
    """An HTTP client whose requests carry the gateway's bearer token."""
    return httpx.Client(timeout=httpx.Timeout(10.0), headers=gateway.bearer)


@pytest.fixture
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    with signed_in_client(gateway) as client:
        yield client


def tool_names(reply) -> list[str]:
    return [tool["name"] for tool in reply.result_for(2)["tools"]]


def test_health_and_ready(gateway: Gateway, http: httpx.Client) -> None:
    health = http.get(f"{gateway.base_url}/health")
    assert health.status_code == 200
    assert health.headers["content-type"].startswith("application/json")
    assert health.json()["status"] == "ok"
    assert http.get(f"{gateway.base_url}/ready").status_code == 200


@pytest.mark.parametrize("version", LEGACY_VERSIONS)
def test_initialize_at_each_legacy_revision(gateway: Gateway, http: httpx.Client, version: str) -> None:
    session_id = open_session(http, gateway.mcp_url, version)
    reply = tools_list(http, gateway.mcp_url, session_id, version)
    assert reply.status == 200
    assert "server_info" in tool_names(reply)


def test_session_created_on_one_process_is_served_by_another(
    start_gateway: StartGateway, shared_data_dir: Path
) -> None:
    # Two tasks behind one public URL: same store (and so the same session
    # secret, kept in DATA_DIR by the demo), same PUBLIC_URL, their own ports.
    a = start_gateway(data_dir=shared_data_dir, REVOCATION_POLL_SECONDS=1)
    b = start_gateway(data_dir=shared_data_dir, PUBLIC_URL=a.base_url, REVOCATION_POLL_SECONDS=1)
    assert b.base_url == a.base_url and b.port != a.port
    on_b_headers = {"Host": b.host_header}

    with signed_in_client(a) as http:
        session_id = open_session(http, a.mcp_url)
        assert tools_list(http, a.mcp_url, session_id).status == 200

        http.headers.update(on_b_headers)
        on_b = tools_list(http, b.local_mcp_url, session_id)
        assert on_b.status == 200, on_b.response.text
        assert "server_info" in tool_names(on_b)

        deleted = http.delete(
            b.local_mcp_url, headers={SESSION_HEADER: session_id, VERSION_HEADER: LEGACY_VERSIONS[-1]}
        )
        assert deleted.is_success, f"DELETE answered {deleted.status_code}: {deleted.text}"
        del http.headers["Host"]

        http.headers.update(on_b_headers)
        assert tools_list(http, b.local_mcp_url, session_id).status == 404
        del http.headers["Host"]
        # A served the session from memory: it refuses it after its next
        # revocation reload (REVOCATION_POLL_SECONDS, 1 s here).
        deadline = time.monotonic() + 3.0
        while (after := tools_list(http, a.mcp_url, session_id)).status != 404:
            assert time.monotonic() < deadline, f"terminated session still served by the other process: {after.status}"
            time.sleep(0.1)


def test_get_without_session_is_405(gateway: Gateway, http: httpx.Client) -> None:
    response = http.get(gateway.mcp_url, headers={"Accept": "text/event-stream"})
    assert response.status_code == 405


def test_get_with_session_opens_an_sse_stream(gateway: Gateway, http: httpx.Client) -> None:
    session_id = open_session(http, gateway.mcp_url)
    headers = {
        "Accept": "text/event-stream",
        SESSION_HEADER: session_id,
        VERSION_HEADER: LEGACY_VERSIONS[-1],
    }
    with http.stream("GET", gateway.mcp_url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")


def test_body_over_the_limit_is_413(start_gateway: StartGateway) -> None:
    limit = 4096
    gateway = start_gateway(MAX_REQUEST_BODY_BYTES=limit)
    with signed_in_client(gateway) as http:
        session_id = open_session(http, gateway.mcp_url)

        padded = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/list",
            "params": {"_meta": {"padding": "x" * (2 * limit)}},
        }
        reply = post(http, gateway.mcp_url, padded, session_id=session_id, protocol_version=LEGACY_VERSIONS[-1])
        assert reply.status == 413

        # A request under the limit on the same session still works.
        assert tools_list(http, gateway.mcp_url, session_id).status == 200


def test_foreign_host_header_is_403(gateway: Gateway, http: httpx.Client) -> None:
    reply = post(http, gateway.mcp_url, initialize_message(), headers={"Host": "evil.example"})
    assert reply.status == 403
    assert SESSION_HEADER not in reply.response.headers


def test_foreign_origin_header_is_403(gateway: Gateway, http: httpx.Client) -> None:
    # MCP transports (2025-11-25, Security Warning): a present but invalid Origin MUST get 403.
    reply = post(http, gateway.mcp_url, initialize_message(), headers={"Origin": "http://evil.example"})
    assert reply.status == 403
    assert SESSION_HEADER not in reply.response.headers


@pytest.mark.parametrize("origin", ["public", "http://127.0.0.1:5173", "http://localhost:6274"])
def test_public_and_loopback_origins_are_accepted(gateway: Gateway, http: httpx.Client, origin: str) -> None:
    origin = gateway.base_url if origin == "public" else origin
    reply = post(http, gateway.mcp_url, initialize_message(), headers={"Origin": origin})
    assert reply.status == 200, reply.response.text
    assert reply.response.headers.get(SESSION_HEADER)


def test_session_cap_per_user_evicts_the_oldest(start_gateway: StartGateway) -> None:
    gateway = start_gateway(MAX_MCP_SESSIONS_PER_USER=2)
    with signed_in_client(gateway) as http:
        first = open_session(http, gateway.mcp_url)
        second = open_session(http, gateway.mcp_url)
        third = open_session(http, gateway.mcp_url)

        assert tools_list(http, gateway.mcp_url, first).status == 404
        assert tools_list(http, gateway.mcp_url, second).status == 200
        assert tools_list(http, gateway.mcp_url, third).status == 200
