"""The JSON-RPC wire as the protocol says, for every revision, under generated input.

Ten thousand generated bodies (truncated messages, wrong types, wrong
`jsonrpc`, batches, huge and odd strings in tool arguments, bytes that are
not JSON) go to `/mcp` with `Content-Type: application/json` inside sessions
of each revision and statelessly. None may get a 5xx or a 415, every 4xx
carries a JSON-RPC error, and the sessions still answer afterwards. Batches
are answered in sessions of 2025-03-26, which requires servers to accept
them, and refused with -32600 elsewhere.
"""

from __future__ import annotations

import json
import random
from typing import Any

import httpx

from gateway import Gateway
from mcp_http import (
    LEGACY_VERSIONS,
    STATELESS_VERSION,
    open_session,
    parse_messages,
    post,
    tools_list,
)

BODIES = 10_000
SEED = 4242

ODD_STRINGS = [
    "",
    " ",
    "\u0000",
    "\ud83d\ude00" * 50,
    "\u202e\u0301\u200b",
    "a" * 100_000,
    "\\" * 1_000,
    '"' * 100,
    "%00%ff",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\n\r\t",
    "é" * 5_000,
]
METHODS = ["tools/list", "tools/call", "ping", "resources/list", "prompts/list", "initialize",
           "notifications/initialized", "no/such/method", "", "tools/call/"]
TOOLS = ["whoami", "server_info", "gmail_search", "drive_search", "calendar_list_events", "no_such_tool"]
ODD_VALUES: list[Any] = [None, True, 0, -1, 2**63, 1.5, "x", [], {}, [1, "a"], {"a": {"b": [None]}}]


def odd(rng: random.Random) -> Any:
    return rng.choice(ODD_VALUES + ODD_STRINGS)


def message(rng: random.Random) -> Any:
    method = rng.choice(METHODS)
    m: dict[str, Any] = {"jsonrpc": "2.0", "id": rng.randrange(1, 10**6), "method": method}
    if method == "tools/call":
        arguments = {rng.choice(["query", "max_results", "id", "page_token", "q", ""]): odd(rng)
                     for _ in range(rng.randrange(0, 4))}
        m["params"] = {"name": rng.choice(TOOLS + ODD_STRINGS[:3]), "arguments": arguments}
    elif rng.random() < 0.3:
        m["params"] = odd(rng)
    mutation = rng.randrange(10)
    if mutation == 0:
        m["jsonrpc"] = rng.choice(["1.0", 2, None, "2.0 ", ""])
    elif mutation == 1:
        m["id"] = rng.choice([{}, [], True, 1.5, None])
    elif mutation == 2:
        m["method"] = rng.choice([7, None, [], {}])
    elif mutation == 3:
        del m["jsonrpc"]
    elif mutation == 4:
        m.pop("method")
        m["result"] = odd(rng)
    elif mutation == 5:
        m["params"] = {"name": "whoami", "arguments": odd(rng)}
    return m


def body(rng: random.Random) -> tuple[bytes, bool]:
    """A generated body, and whether it is a batch."""
    kind = rng.randrange(8)
    if kind == 0:
        text = json.dumps(message(rng))
        return text[: rng.randrange(0, max(1, len(text)))].encode(), False
    if kind == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), False
    if kind == 2:
        batch = [message(rng) if rng.random() < 0.8 else odd(rng) for _ in range(rng.randrange(0, 5))]
        return json.dumps(batch).encode(), True
    if kind == 3:
        return json.dumps(odd(rng)).encode(), False
    return json.dumps(message(rng)).encode(), False


def test_generated_bodies_get_protocol_answers_and_sessions_survive(gateway: Gateway) -> None:
    rng = random.Random(SEED)
    problems: list[str] = []
    statuses: dict[int, int] = {}
    batches_answered = 0
    with httpx.Client(timeout=30.0, headers=gateway.bearer) as http:
        sessions = {version: open_session(http, gateway.mcp_url, version) for version in LEGACY_VERSIONS}
        targets: list[tuple[str | None, str]] = [(sid, v) for v, sid in sessions.items()]
        targets.append((None, STATELESS_VERSION))
        for i in range(BODIES):
            content, is_batch = body(rng)
            session_id, version = rng.choice(targets)
            reply = post(http, gateway.mcp_url, content, session_id=session_id,
                         protocol_version=None if version == "2025-03-26" else version)
            status = reply.status
            statuses[status] = statuses.get(status, 0) + 1
            where = f"#{i} ({version}, {'session' if session_id else 'stateless'}) {content[:120]!r}"
            if status >= 500 or status == 415:
                problems.append(f"{where}: {status} {reply.response.text[:200]}")
            elif 400 <= status < 500:
                try:
                    error = reply.response.json()
                except ValueError:
                    problems.append(f"{where}: {status} without a JSON body: {reply.response.text[:200]}")
                    continue
                if not (isinstance(error, dict) and error.get("jsonrpc") == "2.0"
                        and isinstance(error.get("error", {}).get("code"), int)):
                    problems.append(f"{where}: {status} without a JSON-RPC error: {error}")
            elif is_batch and status == 200 and session_id == sessions["2025-03-26"]:
                if not isinstance(reply.response.json(), list):
                    problems.append(f"{where}: a batch answered without an array: {reply.response.text[:200]}")
                batches_answered += 1
            if len(problems) > 20:
                break
        for version, session_id in sessions.items():
            after = tools_list(http, gateway.mcp_url, session_id, version, request_id=99)
            assert after.status == 200, f"the {version} session stopped answering: {after.response.text[:300]}"
            assert after.result_for(99)["tools"], f"the {version} session lists no tools"
    print(f"\n{BODIES} generated bodies: statuses {dict(sorted(statuses.items()))}, "
          f"{batches_answered} batches answered in 2025-03-26 sessions")
    assert not problems, "\n".join(problems)
    assert batches_answered > 0


def test_a_2025_03_26_session_answers_a_batch_in_one_array(gateway: Gateway) -> None:
    with httpx.Client(timeout=30.0, headers=gateway.bearer) as http:
        session_id = open_session(http, gateway.mcp_url, "2025-03-26")
        batch = [
            {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            {"jsonrpc": "2.0", "method": "notifications/progress",
             "params": {"progressToken": "x", "progress": 1}},
            {"jsonrpc": "2.0", "id": "w", "method": "tools/call", "params": {"name": "whoami", "arguments": {}}},
            {"jsonrpc": "2.0", "id": 3, "method": "ping"},
            {"jsonrpc": "1.0", "id": 4, "method": "ping"},
        ]
        reply = post(http, gateway.mcp_url, json.dumps(batch).encode(), session_id=session_id)
        assert reply.status == 200, reply.response.text
        answers = {m["id"]: m for m in reply.response.json()}
        assert set(answers) == {1, "w", 3, 4}, answers
        assert answers[1]["result"]["tools"]
        assert "alice@example.com" in json.dumps(answers["w"]["result"])
        assert answers[3]["result"] == {}
        assert answers[4]["error"]["code"] == -32600
        # A batch of notifications only: 202 and no body.
        only = [{"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": "x", "progress": 2}}]
        reply = post(http, gateway.mcp_url, json.dumps(only).encode(), session_id=session_id)
        assert reply.status == 202, reply.response.text


def test_batches_are_refused_outside_2025_03_26(gateway: Gateway) -> None:
    batch = json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"}]).encode()
    with httpx.Client(timeout=30.0, headers=gateway.bearer) as http:
        session_id = open_session(http, gateway.mcp_url, "2025-11-25")
        for sid, version in ((session_id, "2025-11-25"), (None, STATELESS_VERSION), (None, None)):
            reply = post(http, gateway.mcp_url, batch, session_id=sid, protocol_version=version)
            assert reply.status == 400, reply.response.text
            assert reply.response.json()["error"]["code"] == -32600


def test_parse_errors_and_invalid_requests_have_their_codes(gateway: Gateway) -> None:
    with httpx.Client(timeout=30.0, headers=gateway.bearer) as http:
        session_id = open_session(http, gateway.mcp_url)
        reply = post(http, gateway.mcp_url, b'{"jsonrpc": "2.0", "id": 1, "meth', session_id=session_id,
                     protocol_version="2025-11-25")
        assert reply.status == 400
        assert reply.response.headers["content-type"].startswith("application/json")
        assert reply.response.json() == {"jsonrpc": "2.0", "id": None,
                                         "error": {"code": -32700, "message": reply.response.json()["error"]["message"]}}
        reply = post(http, gateway.mcp_url, b'{"jsonrpc": "2.0", "id": 5}', session_id=session_id,
                     protocol_version="2025-11-25")
        assert reply.status == 400
        assert reply.response.json()["error"]["code"] == -32600
        assert reply.response.json()["id"] == 5
        messages = parse_messages(reply.response)
        assert messages and messages[0]["id"] == 5
