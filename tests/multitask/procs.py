"""Real processes for the multi-task tests: the fake Google binary and gateway tasks.

A `Fleet` is what production runs, on loopback: three `mcp-gateway serve`
tasks behind one PUBLIC_URL (task A's address; B and C are reached on their
own ports with A's `Host`, as a load balancer would forward), one DynamoDB
table and one KMS key in moto, one Google (the fake, behind a recording
front), one SESSION_SECRET, and a DATA_DIR of their own each.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from google_front import GoogleFront

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_USER = "alice@example.com"
TEST_DOMAIN = "example.com"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0

# Variables a gateway reads; none leaks in from the caller's environment.
GATEWAY_VARIABLES = frozenset(
    {
        "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "ALLOWED_DOMAIN", "SESSION_SECRET", "PORT", "HOST",
        "PUBLIC_URL", "DATA_DIR", "LOG_FORMAT", "LOG_LEVEL", "SSE_KEEP_ALIVE_SECONDS", "MAX_MCP_SESSIONS",
        "MAX_MCP_SESSIONS_PER_USER", "MAX_REQUEST_BODY_BYTES", "ACCESS_TOKEN_TTL_SECONDS", "ALLOWED_EMAILS",
        "GOOGLE_BASE_URL", "GOOGLE_REDIRECT_URI", "MCP_SESSION_IDLE_SECONDS", "OAUTH_EXTRA_REDIRECT_URIS",
        "OAUTH_REGISTRATION_BURST", "SESSION_MAX_AGE", "SHUTDOWN_DRAIN_SECONDS", "TOOL_TIMEOUT_SECONDS",
        "VAULT_MASTER_KEY", "VAULT_PREVIOUS_KEYS", "DYNAMODB_TABLE_NAME", "KMS_KEY_ID", "TOOLS", "READ_ONLY",
        "SERVICES", "TOOL_OUTPUT_LIMIT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_KMS",
        "REVOCATION_POLL_SECONDS",
    }
)


def binary(variable: str, name: str) -> Path:
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target")) / "debug" / name


def free_port() -> int:
    """A free loopback port below the ephemeral range, so no port-0 bind can take it meanwhile."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-32000")


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _popen(args: list[str], env: dict[str, str], log: Path, cwd: Path, **kwargs) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=kwargs.pop("stdout", out),
            stderr=out,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            **kwargs,
        )


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@dataclass
class FakeGoogleProcess:
    """The `fake-google` binary, auto-approving TEST_USER, behind a recording front."""

    work: Path
    redirect_uris: list[str]
    client_id: str = "multitask-gateway.apps.googleusercontent.com"
    client_secret: str = field(default_factory=lambda: "gsec-" + secrets.token_urlsafe(24))
    process: subprocess.Popen | None = None
    base_url: str = ""
    front: GoogleFront | None = None
    # Accounts replacing the demo users ({"email", "hd", "name", "sub"}); a
    # `login_hint` at authorization signs in that account.
    users: list[dict[str, str]] | None = None

    @property
    def log(self) -> Path:
        return self.work / "fake-google.log"

    def start(self) -> FakeGoogleProcess:
        args = [str(binary("FAKE_GOOGLE_BIN", "fake-google")), "--host", "127.0.0.1", "--port", "0"]
        args += ["--client-id", self.client_id, "--client-secret", self.client_secret]
        for uri in self.redirect_uris:
            args += ["--redirect-uri", uri]
        args += ["--auto-approve", TEST_USER]
        if self.users is not None:
            users_file = self.work / "google-users.json"
            users_file.write_text(json.dumps(self.users))
            args += ["--users", str(users_file)]
        self.process = _popen(args, dict(os.environ), self.log, self.work, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], READY_TIMEOUT)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            raise RuntimeError(f"fake-google printed no base URL ({line!r})\n{tail(self.log)}")
        self.base_url = line
        self.front = GoogleFront(self.base_url).start()
        return self

    def stop(self) -> None:
        if self.front is not None:
            self.front.stop()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Task:
    """One `mcp-gateway serve` process."""

    name: str
    env: dict[str, str]
    work: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.work / f"task-{self.name}.log"

    @property
    def local_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def public_url(self) -> str:
        return self.env["PUBLIC_URL"]

    @property
    def host_header(self) -> dict[str, str]:
        """The `Host` a load balancer forwards: PUBLIC_URL's host and port."""
        return {"Host": httpx.URL(self.public_url).netloc.decode()}

    def start(self, wait: bool = True) -> Task:
        self.port = int(self.env["PORT"])
        data_dir = Path(self.env["DATA_DIR"])
        data_dir.mkdir(parents=True, exist_ok=True)
        self.process = _popen([str(binary("MCP_GATEWAY_BIN", "mcp-gateway")), "serve"], self.env, self.log, self.work)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"task {self.name} exited with {self.process.returncode}\n{tail(self.log)}")
            try:
                answer = httpx.get(f"{self.local_url}/ready", timeout=3.0)
                if answer.status_code == 200:
                    return
                last = (answer.status_code, answer.text)
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.05)
        raise RuntimeError(f"task {self.name} not ready within {timeout}s ({last!r})\n{tail(self.log)}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"task {self.name} ignored SIGTERM for {STOP_TIMEOUT}s\n{tail(self.log)}")
        return self.process.returncode

    def log_records(self) -> list[dict]:
        records = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
        return records


def run_command(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60.0) -> subprocess.CompletedProcess:
    """`mcp-gateway ARGS...` with the tasks' environment (store, vault, Google)."""
    return subprocess.run(
        [str(binary("MCP_GATEWAY_BIN", "mcp-gateway")), *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def base_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in GATEWAY_VARIABLES}
