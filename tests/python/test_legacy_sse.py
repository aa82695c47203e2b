"""The legacy HTTP+SSE transport (protocol 2024-11-05) with the official Python SDK's
SSE client: `GET /sse` opens the stream and names `/messages?sessionId=…`, the
client POSTs there and reads the answers from the stream.

Also: the SDK's own OAuth flow started from the `/sse` URL (the metadata the 401
points at names `/sse` as the resource, as the SDK requires), and the refusals
of `/messages`: no session id, an unknown one, another user's, no token, a
foreign Host, a body over the limit. A refused POST changes nothing: the
owner's stream goes on answering.
"""

from __future__ import annotations

import json

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, types
from mcp.client.sse import sse_client

from gateway import ALLOWED_USER, Gateway
from mcp_http import LATEST_LEGACY_VERSION, open_session, post
from oauth_flow import sign_in
from test_sdk_oauth import sdk_oauth

pytestmark = pytest.mark.anyio

DANA = "dana@example.com"


def sse_url(gateway: Gateway) -> str:
    return f"{gateway.base_url}/sse"


async def test_python_sdk_sse_client_lists_and_calls_tools(gateway: Gateway) -> None:
    session_ids: list[str] = []
    async with sse_client(sse_url(gateway), headers=gateway.bearer, on_session_created=session_ids.append) as (
        read,
        write,
    ):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.server_info.name, init
            listed = await session.list_tools()
            names = {tool.name for tool in listed.tools}
            # The same tools as /mcp offers.
            with httpx.Client(headers=gateway.bearer, timeout=30.0) as http:
                sid = open_session(http, gateway.mcp_url)
                over_mcp = post(
                    http,
                    gateway.mcp_url,
                    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                    session_id=sid,
                    protocol_version=LATEST_LEGACY_VERSION,
                )
            assert names == {t["name"] for t in over_mcp.result_for(2)["tools"]}, names
            for _ in range(3):
                result = await session.call_tool("whoami", {})
                assert result.is_error is not True, result.content
                assert result.structured_content["email"] == ALLOWED_USER
            # A tool error is an answer on the stream like any other.
            missing = await session.call_tool("gmail_read_message", {"message_id": "no-such-message"})
            assert missing.is_error, missing
    assert len(session_ids) == 1, session_ids

    # The stream closed: the session ended with it.
    with httpx.Client(headers=gateway.bearer, timeout=10.0) as http:
        after = http.post(
            f"{gateway.base_url}/messages",
            params={"sessionId": session_ids[0]},
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
    assert after.status_code == 404, after.text


async def test_python_sdk_oauth_flow_from_the_sse_url(gateway: Gateway) -> None:
    auth, _, browser = sdk_oauth(sse_url(gateway), "gateway-python-sdk-sse")
    paths: list[tuple[str, str, int]] = []

    async def on_response(response: httpx2.Response) -> None:
        paths.append((response.request.method, response.request.url.path, response.status_code))

    def factory(headers=None, timeout=None, auth=None):  # type: ignore[no-untyped-def]
        return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, event_hooks={"response": [on_response]})

    async with sse_client(sse_url(gateway), auth=auth, httpx_client_factory=factory) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("whoami", {})
            assert result.structured_content["email"] == ALLOWED_USER, result.content
    assert paths[0][1:] == ("/sse", 401), paths
    assert ("GET", "/.well-known/oauth-protected-resource/sse", 200) in paths, paths
    [authorize] = browser.authorization_urls
    assert authorize.params["resource"] == sse_url(gateway)


def read_endpoint(stream: httpx.Response) -> tuple[str, object]:
    """The `endpoint` event's data, and the iterator over the rest of the stream's lines."""
    lines = stream.iter_lines()
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "endpoint":
            return line.split(":", 1)[1].strip(), lines
    raise AssertionError("the stream sent no endpoint event")


def next_message(lines) -> dict:  # type: ignore[no-untyped-def]
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "message":
            return json.loads(line.split(":", 1)[1])
    raise AssertionError("the stream ended before a message")


def test_messages_refusals_touch_nothing(gateway: Gateway) -> None:
    alice = gateway.bearer
    dana = sign_in(gateway.base_url, login_hint=DANA).bearer
    base = gateway.base_url
    with httpx.Client(timeout=httpx.Timeout(10.0, read=30.0)) as http:
        with http.stream("GET", f"{base}/sse", headers=alice) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            endpoint, lines = read_endpoint(stream)
            assert endpoint.startswith("/messages?sessionId="), endpoint
            messages = f"{base}{endpoint}"
            ping = {"jsonrpc": "2.0", "id": 7, "method": "ping"}

            no_id = http.post(f"{base}/messages", json=ping, headers=alice)
            assert no_id.status_code == 400 and "sessionId" in no_id.text, no_id.text
            unknown = http.post(f"{base}/messages", params={"sessionId": "0" * 36}, json=ping, headers=alice)
            assert unknown.status_code == 404, unknown.text
            others = http.post(messages, json={**ping, "id": 8}, headers=dana)
            assert others.status_code == 404, others.text
            anonymous = http.post(messages, json=ping)
            assert anonymous.status_code == 401, anonymous.text
            assert "oauth-protected-resource/sse" in anonymous.headers["www-authenticate"]
            foreign = http.post(messages, json=ping, headers={**alice, "Host": "evil.example"})
            assert foreign.status_code == 403, foreign.text
            origin = http.post(messages, json=ping, headers={**alice, "Origin": "https://evil.example"})
            assert origin.status_code == 403, origin.text
            not_json = http.post(messages, content=b"{nope", headers={**alice, "Content-Type": "application/json"})
            assert not_json.status_code == 400 and "-32700" in not_json.text, not_json.text
            huge = http.post(messages, content=b"x" * (5 * 1024 * 1024), headers=alice)
            assert huge.status_code == 413, huge.status_code

            # None of that reached the stream or ended the session: the owner's ping is answered.
            accepted = http.post(messages, json=ping, headers=alice)
            assert accepted.status_code == 202, accepted.text
            answer = next_message(lines)
            assert answer == {"jsonrpc": "2.0", "id": 7, "result": {}}, answer


def test_a_stream_without_a_token_is_refused_with_the_sse_metadata(gateway: Gateway) -> None:
    with httpx.Client(timeout=10.0) as http:
        refused = http.get(f"{gateway.base_url}/sse")
        assert refused.status_code == 401
        challenge = refused.headers["www-authenticate"]
        assert f'resource_metadata="{gateway.base_url}/.well-known/oauth-protected-resource/sse"' in challenge
        metadata = http.get(f"{gateway.base_url}/.well-known/oauth-protected-resource/sse").json()
        assert metadata["resource"] == sse_url(gateway), metadata
        # /mcp's own metadata is unchanged.
        mcp = http.get(f"{gateway.base_url}/.well-known/oauth-protected-resource/mcp").json()
        assert mcp["resource"] == gateway.mcp_url, mcp


async def test_twenty_concurrent_calls_each_get_their_own_answer(gateway: Gateway) -> None:
    async with sse_client(sse_url(gateway), headers=gateway.bearer) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            results: dict[int, types.CallToolResult] = {}

            async def call(i: int) -> None:
                results[i] = await session.call_tool("whoami", {})

            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon(call, i)
            assert len(results) == 20
            assert all(r.structured_content["email"] == ALLOWED_USER for r in results.values())
