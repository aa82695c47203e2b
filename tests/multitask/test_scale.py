"""Production's shape under load: nginx (round-robin, no stickiness, idle
timeout 60 s) in front of three tasks on one DynamoDB table and KMS key.

200 MCP sessions (2025-11-25) of 20 users run for SCALE_SECONDS (120 in CI,
600 for the full run), mixing tools/list, whoami and a Gmail call, with a
long-lived GET stream in every fourth session held across the balancer's
idle timeout. Meanwhile task B is killed with SIGKILL and replaced, then all
three tasks are replaced one by one with SIGTERM. Every reply must carry its
own request's id and name its own user; no session sees more than one
retryable failure (a 502/503 or a dropped connection, retried once); no
sign-in is asked again; a client whose stream dropped reconnects and still
lists every tool. Resident memory per task is reported at start, peak and
end, and 1,000 idle sessions give the memory one session costs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

import client  # noqa: F401 (puts tests/python on the path)
from conftest import MakeFleet
from mcp_http import parse_messages  # noqa: E402
from nginx import IDLE_TIMEOUT_SECONDS, Nginx
from procs import Task, free_port

SECONDS = int(os.environ.get("SCALE_SECONDS", "120"))
USERS = 20
SESSIONS = 200
REVISION = "2025-11-25"
ACCEPT = "application/json, text/event-stream"
REDIRECT_URI = "http://127.0.0.1:9/callback"
IDLE_SESSIONS = 1_000

GOOGLE_USERS = [
    {"email": f"user{i:02d}@example.com", "hd": "example.com", "name": f"User {i}", "sub": f"1100000000000{i:05d}"}
    for i in range(USERS)
]
TASK_ENV = {
    "SSE_KEEP_ALIVE_SECONDS": "20",
    "MAX_MCP_SESSIONS_PER_USER": "200",
    "SHUTDOWN_DRAIN_SECONDS": "2",
}


def rss_kib(task: Task) -> int:
    assert task.process is not None
    try:
        for line in open(f"/proc/{task.process.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def sign_in(public: str, email: str) -> str:
    """The OAuth flow through the balancer, the fake Google signing in `email`."""
    with httpx.Client(timeout=30.0, follow_redirects=False) as http:
        client = http.post(f"{public}/oauth/register", json={"redirect_uris": [REDIRECT_URI]}).json()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        url = str(httpx.URL(f"{public}/oauth/authorize", params={
            "response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT_URI,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": "s",
            "resource": f"{public}/mcp", "login_hint": email,
        }))
        for _ in range(10):
            answer = http.get(url)
            assert answer.status_code in (302, 303), f"{url}: {answer.status_code} {answer.text[:300]}"
            url = urljoin(url, answer.headers["location"])
            if url.startswith(REDIRECT_URI):
                break
        code = parse_qs(urlsplit(url).query)["code"][0]
        tokens = http.post(f"{public}/oauth/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier, "client_id": client["client_id"], "resource": f"{public}/mcp",
        })
        assert tokens.status_code == 200, tokens.text
        return tokens.json()["access_token"]


@dataclass
class Tally:
    replies: int = 0
    wrong: list[str] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    unrecovered: list[str] = field(default_factory=list)
    stream_longest: float = 0.0
    stream_reconnects: int = 0
    reconnect_tool_counts: list[int] = field(default_factory=list)


class Session:
    def __init__(self, index: int, http: httpx.AsyncClient, email: str, tally: Tally) -> None:
        self.index, self.http, self.email, self.tally = index, http, email, tally
        self.session_id = ""
        self.next_id = 1

    def headers(self) -> dict[str, str]:
        return {"Accept": ACCEPT, "Content-Type": "application/json", "MCP-Protocol-Version": REVISION,
                "Mcp-Session-Id": self.session_id}

    async def open(self) -> None:
        init = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": REVISION, "capabilities": {}, "clientInfo": {"name": "scale", "version": "1"}}}
        answer = await self.retrying(lambda: self.http.post(
            "/mcp", json=init, headers={"Accept": ACCEPT, "Content-Type": "application/json"}))
        assert answer is not None and answer.status_code == 200, (
            f"initialize failed: {answer.status_code if answer else self.tally.reasons[-40:]} "
            f"{answer.text[:300] if answer else ''}")
        self.session_id = answer.headers["mcp-session-id"]
        await self.http.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                             headers=self.headers())

    async def retrying(self, send) -> httpx.Response | None:
        """One retry after a retryable failure; each failure is counted."""
        for attempt in range(2):
            try:
                answer = await send()
                if answer.status_code not in (502, 503, 504):
                    return answer
                why = f"{answer.status_code}"
            except httpx.TransportError as exc:
                why = repr(exc)
            self.tally.failures[self.index] = self.tally.failures.get(self.index, 0) + 1
            self.tally.reasons.append(f"{time.strftime('%H:%M:%S')} session {self.index}: {why}")
            if attempt == 1:
                self.tally.unrecovered.append(f"session {self.index}: {why}")
            await asyncio.sleep(0.5)
        return None

    async def request(self, method: str, params: dict[str, Any] | None) -> dict[str, Any] | None:
        request_id = self.next_id
        self.next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        answer = await self.retrying(lambda: self.http.post("/mcp", json=message, headers=self.headers()))
        if answer is None:
            return None
        if answer.status_code != 200:
            self.tally.wrong.append(f"session {self.index} {method}: {answer.status_code} {answer.text[:200]}")
            return None
        replies = [m for m in parse_messages(answer) if "id" in m]
        if [m.get("id") for m in replies] != [request_id]:
            self.tally.wrong.append(f"session {self.index}: sent id {request_id}, got {[m.get('id') for m in replies]}")
            return None
        self.tally.replies += 1
        return replies[0].get("result")

    async def work(self, deadline: float) -> None:
        # Clients arrive over five seconds, not all in one instant.
        await asyncio.sleep(self.index * 5.0 / SESSIONS)
        await self.open()
        while time.monotonic() < deadline:
            roll = random.random()
            if roll < 0.4:
                result = await self.request("tools/list", None)
                if result is not None and len(result["tools"]) < 20:
                    self.tally.wrong.append(f"session {self.index}: {len(result['tools'])} tools")
            elif roll < 0.8:
                result = await self.request("tools/call", {"name": "whoami", "arguments": {}})
                if result is not None and result.get("structuredContent", {}).get("email") != self.email:
                    self.tally.wrong.append(f"session {self.index} ({self.email}) got {json.dumps(result)[:200]}")
            else:
                result = await self.request("tools/call", {"name": "gmail_list_labels", "arguments": {}})
                if result is not None and result.get("isError"):
                    self.tally.wrong.append(f"session {self.index}: gmail_list_labels {json.dumps(result)[:200]}")
            await asyncio.sleep(random.uniform(0.3, 1.2))

    async def stream(self, deadline: float) -> None:
        """The session's GET stream, reopened whenever it drops."""
        while time.monotonic() < deadline:
            opened = time.monotonic()
            try:
                async with self.http.stream("GET", "/mcp", headers={**self.headers(), "Accept": "text/event-stream"},
                                            timeout=httpx.Timeout(10.0, read=IDLE_TIMEOUT_SECONDS + 30)) as stream:
                    if stream.status_code != 200:
                        await asyncio.sleep(1)
                        continue
                    async for _ in stream.aiter_lines():
                        self.tally.stream_longest = max(self.tally.stream_longest, time.monotonic() - opened)
                        if time.monotonic() >= deadline:
                            return
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                return
            # Dropped (task lost or drained): reconnect, and the tools are all there.
            self.tally.stream_reconnects += 1
            await asyncio.sleep(1)
            result = await self.request("tools/list", None)
            if result is not None:
                self.tally.reconnect_tool_counts.append(len(result["tools"]))


async def run_load(public: str, tokens: dict[str, str], deadline: float, tally: Tally) -> None:
    limits = httpx.Limits(max_connections=SESSIONS * 2, max_keepalive_connections=SESSIONS)
    clients = {email: httpx.AsyncClient(base_url=public, timeout=30.0, limits=limits,
                                        headers={"Authorization": f"Bearer {token}"})
               for email, token in tokens.items()}
    try:
        sessions = [Session(i, clients[GOOGLE_USERS[i % USERS]["email"]], GOOGLE_USERS[i % USERS]["email"], tally)
                    for i in range(SESSIONS)]
        works = [asyncio.create_task(s.work(deadline)) for s in sessions]
        # Every fourth session also holds its GET stream, once the session exists.
        await asyncio.sleep(3)
        streams = [asyncio.create_task(s.stream(deadline)) for s in sessions if s.index % 4 == 0]
        await asyncio.gather(*works, *streams)
    finally:
        for client in clients.values():
            await client.aclose()


def lose(task: Task) -> None:
    """An unplanned loss: SIGKILL, and the orchestrator starts a replacement
    (on the same port) a few seconds later."""
    assert task.process is not None
    task.process.kill()
    task.process.wait()
    time.sleep(3)
    task.start(wait=True)


def roll(task: Task) -> None:
    """A planned replacement: SIGTERM (the task stops accepting connections, so
    the balancer sends new requests to the others, and finishes what it
    holds), then a new task on the same port."""
    assert task.process is not None
    task.process.terminate()
    task.process.wait(30)
    task.start(wait=True)


@pytest.mark.scale
@pytest.mark.timeout(SECONDS + 600)
def test_two_hundred_sessions_through_a_load_balancer_survive_task_loss(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(tasks=(), google_users=GOOGLE_USERS)
    tasks = [fleet.add_task(name, port=free_port(), **TASK_ENV) for name in ("A", "B", "C")]
    balancer = Nginx(fleet.work / "nginx", fleet.public_port, [t.port for t in tasks]).start()
    try:
        public = fleet.public_url
        tokens = {u["email"]: sign_in(public, u["email"]) for u in GOOGLE_USERS}
        memory = {t.name: {"start": rss_kib(t), "peak": rss_kib(t)} for t in tasks}

        tally = Tally()
        started = time.monotonic()
        deadline = started + SECONDS

        def chaos() -> None:
            # Task B lost at a quarter of the run; all three replaced in turn from the half.
            time.sleep(SECONDS * 0.25)
            lose(fleet.b)
            time.sleep(SECONDS * 0.25)
            for task in tasks:
                roll(task)
                time.sleep(3)

        def sample() -> None:
            while time.monotonic() < deadline:
                for t in tasks:
                    memory[t.name]["peak"] = max(memory[t.name]["peak"], rss_kib(t))
                time.sleep(1)

        # Tasks are started from this thread: a task dies with the thread that
        # started it (PR_SET_PDEATHSIG), so the load and the sampler get threads
        # of their own and the replacements happen here.
        load = threading.Thread(target=lambda: asyncio.run(run_load(public, tokens, deadline, tally)))
        sampler = threading.Thread(target=sample)
        load.start()
        sampler.start()
        chaos()
        load.join()
        sampler.join()
        for t in tasks:
            memory[t.name]["end"] = rss_kib(t)

        failing = {i: n for i, n in tally.failures.items() if n > 1}
        for reason in tally.reasons:
            print(f"scale: retried: {reason}")
        print(f"\nscale: {SESSIONS} sessions of {USERS} users for {SECONDS} s through nginx to 3 tasks: "
              f"{tally.replies} replies, {len(tally.wrong)} wrong, {sum(tally.failures.values())} retried failures "
              f"in {len(tally.failures)} sessions (most in one session: {max(tally.failures.values(), default=0)}), "
              f"{tally.stream_reconnects} stream reconnects, longest stream {tally.stream_longest:.0f} s")
        for name, m in memory.items():
            print(f"scale: task {name} resident memory start {m['start'] / 1024:.1f} MiB, "
                  f"peak {m['peak'] / 1024:.1f} MiB, end {m['end'] / 1024:.1f} MiB (replaced tasks restart)")
        assert not tally.wrong, "\n".join(tally.wrong[:20])
        assert not tally.unrecovered, "\n".join(tally.unrecovered[:20] + ["all failures:"] + tally.reasons[:60])
        assert not failing, f"sessions with more than one retryable failure: {failing}"
        assert tally.replies > SESSIONS * 5
        assert all(n >= 20 for n in tally.reconnect_tool_counts), tally.reconnect_tool_counts
        if SECONDS >= 120:
            assert tally.stream_longest > IDLE_TIMEOUT_SECONDS, (
                f"no stream outlived the balancer's idle timeout ({tally.stream_longest:.0f} s)")

        idle_session_memory(tasks[0], tokens)
    finally:
        balancer.stop()


def idle_session_memory(task: Task, tokens: dict[str, str]) -> None:
    """1,000 idle sessions on one task (directly, not through the balancer)."""
    emails = list(tokens)

    async def open_many() -> None:
        async with httpx.AsyncClient(base_url=task.local_url, headers=task.host_header, timeout=30.0) as http:
            semaphore = asyncio.Semaphore(32)

            async def one(i: int) -> None:
                async with semaphore:
                    init = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                        "protocolVersion": REVISION, "capabilities": {}, "clientInfo": {"name": "idle", "version": "1"}}}
                    answer = await http.post("/mcp", json=init, headers={
                        "Accept": ACCEPT, "Content-Type": "application/json",
                        "Authorization": f"Bearer {tokens[emails[i % len(emails)]]}"})
                    assert answer.status_code == 200 and answer.headers.get("mcp-session-id"), answer.text

            await asyncio.gather(*(one(i) for i in range(IDLE_SESSIONS)))

    before = rss_kib(task)
    asyncio.run(open_many())
    time.sleep(1)
    after = rss_kib(task)
    per_session = (after - before) * 1024 / IDLE_SESSIONS
    print(f"scale: {IDLE_SESSIONS} idle sessions on task {task.name}: resident memory {before / 1024:.1f} -> "
          f"{after / 1024:.1f} MiB, {per_session / 1024:.1f} KiB per session (target: under 10 KB)")
    assert per_session < 10 * 1024, f"{per_session:.0f} bytes per idle session"
