"""Proof 5: the store or the key service becomes unreachable for a running task
and comes back.

moto keeps its state in memory, so stopping and restarting it would lose the
table and the key: the task under test (D) instead reaches DynamoDB and KMS
through TCP proxies this test controls (AWS_ENDPOINT_URL_DYNAMODB and
AWS_ENDPOINT_URL_KMS, the SDK's per-service endpoint variables), while task A
keeps talking to moto directly. Cutting a proxy drops every open connection
and then accepts new ones without ever answering (a partition: only the
task's own timeouts end its calls).

During the outage: /ready on D is 503 naming the dependency (`failing[].component`),
tool calls and token requests fail within the gateway's timeouts with a clear
error, and nothing is half-written (the refresh token presented during the
outage still works afterwards; the stored credential is unchanged). After
the dependency returns, /ready is 200 and tool calls work, with no restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from client import call_tool, http_for, refresh, session_request, sign_in, start_session
from conftest import Fleet, MakeFleet
from procs import TEST_USER, Task
from tcp_proxy import CuttableProxy

FAIL_FAST = 10.0  # seconds: well under any client's patience, above the gateway's 5 s per AWS call
RECOVERY = 20.0
PING_FRESHNESS = 30.0  # vault/kms.rs: readiness reuses a KMS success this long


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def ready(task: Task) -> httpx.Response:
    return httpx.get(f"{task.local_url}/ready", timeout=30)


def wait_ready(task: Task, timeout: float = RECOVERY) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if ready(task).status_code == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"task {task.name} not ready {timeout}s after the dependency returned: {ready(task).text}")


def tool_error_text(reply: Any) -> str:
    """The error a client sees for a failed tools/call: HTTP error body, JSON-RPC error, or isError content."""
    if reply.status != 200:
        return f"HTTP {reply.status}: {reply.response.text}"
    message = reply.messages[0] if reply.messages else {}
    if "error" in message:
        return f"JSON-RPC error: {message['error']}"
    result = message.get("result", {})
    if result.get("isError"):
        return "tool error: " + " ".join(c.get("text", "") for c in result.get("content", []))
    return ""


@pytest.fixture
def proxied(make_fleet: MakeFleet, aws) -> Any:  # type: ignore[no-untyped-def]
    """A fleet of A (straight to moto) and D (DynamoDB and KMS through cuttable proxies)."""
    moto = urlsplit(aws.endpoint)
    store_link = CuttableProxy(moto.hostname, moto.port).start()
    kms_link = CuttableProxy(moto.hostname, moto.port).start()
    fleet = make_fleet(tasks=("A",))
    fleet.add_task("D", AWS_ENDPOINT_URL_DYNAMODB=store_link.url, AWS_ENDPOINT_URL_KMS=kms_link.url)
    yield fleet, store_link, kms_link
    store_link.stop()
    kms_link.stop()


def credential_item(fleet: Fleet) -> dict:
    assert fleet.aws is not None
    dynamodb = fleet.aws.client("dynamodb")
    items = [
        item
        for page in dynamodb.get_paginator("scan").paginate(TableName=fleet.table, ConsistentRead=True)
        for item in page["Items"]
        if item["pk"]["S"].startswith("cred")
    ]
    assert len(items) == 1, [item["pk"] for item in items]
    return items[0]


def test_store_unreachable_then_back(proxied) -> None:  # type: ignore[no-untyped-def]
    fleet, store_link, _ = proxied
    d: Task = fleet.tasks["D"]
    tokens = sign_in(fleet.a)
    with http_for(d, tokens.access_token) as http:
        assert call_tool(http, "whoami").status == 200
        session_id = start_session(http)
    pid = d.process.pid

    store_link.cut("blackhole")
    answer, took = timed(lambda: ready(d))
    print(f"/ready during store outage: {answer.status_code} {answer.text} in {took:.2f}s")
    assert answer.status_code == 503, answer.text
    failing = answer.json()["failing"]
    assert [f["component"] for f in failing] == ["store"], failing
    assert took < FAIL_FAST

    with http_for(d, tokens.access_token, timeout=60) as http:
        # whoami ran on this task just before the cut: it answers from the
        # task's account cache, without the store.
        reply, took = timed(lambda: call_tool(http, "whoami"))
        print(f"whoami during store outage: {reply.status} in {took:.2f}s")
        assert not tool_error_text(reply), reply.response.text
        # A new session must be stored: refused at once, never hung.
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "outage", "version": "1"}}}
        answer, took = timed(lambda: http.post(
            "/mcp", json=init, headers={"Accept": "application/json, text/event-stream"}))
        print(f"initialize during store outage: {answer.status_code} {answer.text[:200]} in {took:.2f}s")
        assert answer.status_code == 503, answer.text
        assert "store" in answer.text.lower(), answer.text
        assert took < FAIL_FAST, f"initialize took {took:.1f}s to fail"

        reply, took = timed(lambda: session_request(http, session_id, "tools/list", None, 5))
        print(f"session tools/list during store outage: {reply.status} {reply.response.text[:200]} in {took:.2f}s")
        assert took < FAIL_FAST

    answer, took = timed(lambda: refresh(d, tokens.client, tokens.refresh_token))
    print(f"refresh grant during store outage: {answer.status_code} {answer.text[:300]} in {took:.2f}s")
    assert answer.status_code >= 500, answer.text
    assert took < FAIL_FAST

    store_link.restore()
    print(f"ready again after {wait_ready(d):.2f}s")
    assert d.process.pid == pid and d.process.poll() is None, "the task restarted"
    with http_for(d, tokens.access_token) as http:
        reply = call_tool(http, "whoami")
        assert not tool_error_text(reply), tool_error_text(reply)
        assert reply.result_for(1)["structuredContent"]["email"] == TEST_USER
        assert session_request(http, session_id, "tools/list", None, 6).status == 200
    # The refresh token presented during the outage was not spent.
    again = refresh(d, tokens.client, tokens.refresh_token)
    assert again.status_code == 200, f"the outage left the refresh token spent: {again.text}"


def test_key_service_unreachable_then_back(proxied) -> None:  # type: ignore[no-untyped-def]
    """Readiness trusts a KMS success for PING_FRESHNESS (30 s, vault/kms.rs) before it
    calls KMS again, so /ready turns 503 up to 30 s into a KMS outage; tool calls
    that need KMS fail at once."""
    fleet, _, kms_link = proxied
    d: Task = fleet.tasks["D"]
    tokens = sign_in(fleet.a)  # A sealed the Google tokens; D has opened nothing yet
    before = credential_item(fleet)
    pid = d.process.pid

    kms_link.cut("blackhole")
    cut_at = time.monotonic()
    with http_for(d, tokens.access_token, timeout=60) as http:
        reply, took = timed(lambda: call_tool(http, "gmail_list_labels"))
        error = tool_error_text(reply)
        print(f"gmail_list_labels during KMS outage: {error} in {took:.2f}s")
        assert error, f"D opened a sealed Google token without KMS: {reply.response.text[:300]}"
        assert "key" in error.lower(), error
        assert took < FAIL_FAST, f"gmail_list_labels took {took:.1f}s to fail"
        # What needs no secret keeps working.
        reply = call_tool(http, "whoami")
        assert not tool_error_text(reply), tool_error_text(reply)
    assert credential_item(fleet) == before, "the failed call changed the stored credential"

    while True:
        answer, took = timed(lambda: ready(d))
        if answer.status_code != 200 or time.monotonic() - cut_at > PING_FRESHNESS + 5:
            break
        time.sleep(0.5)
    print(f"/ready {time.monotonic() - cut_at:.1f}s into the KMS outage: {answer.status_code} {answer.text} in {took:.2f}s")
    assert answer.status_code == 503, answer.text
    assert [f["component"] for f in answer.json()["failing"]] == ["key_provider"], answer.text
    assert took < FAIL_FAST

    kms_link.restore()
    print(f"ready again after {wait_ready(d):.2f}s")
    assert d.process.pid == pid and d.process.poll() is None, "the task restarted"
    with http_for(d, tokens.access_token) as http:
        reply = call_tool(http, "gmail_list_labels")
        assert not tool_error_text(reply), tool_error_text(reply)
        assert reply.result_for(1)["structuredContent"]["labels"]
