"""Start and stop real `mcp-gateway demo` processes for the tests.

The demo is the gateway with its built-in fake Google on the same port; with
`--auto-approve alice@example.com` the fake Google signs in without its account
chooser, so `oauth_flow.sign_in` completes with plain HTTP requests.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from oauth_flow import Tokens, sign_in

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 30.0
ALLOWED_USER = "alice@example.com"
STOP_TIMEOUT_SECONDS = 30.0


def gateway_binary() -> Path:
    """The binary under test: MCP_GATEWAY_BIN, else the cargo debug build."""
    explicit = os.environ.get("MCP_GATEWAY_BIN")
    if explicit:
        return Path(explicit)
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
    return target_dir / "debug" / "mcp-gateway"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_environment(port: int, data_dir: Path) -> dict[str, str]:
    """The configuration every test gateway gets unless a test overrides it.

    The demo sets the Google client, ALLOWED_DOMAIN (example.com) and a session
    secret kept in DATA_DIR itself.
    """
    return {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://localhost:{port}",
        "DATA_DIR": str(data_dir),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        # The tool tour and the generated-body test make more calls at once
        # than one person's default limits allow; the limits themselves are
        # tested with their own figures (test_rate_limits.py).
        "RATE_LIMIT_BURST": "100000",
        "RATE_LIMIT_TOOL_CALLS_PER_MINUTE": "1000000",
        "RATE_LIMIT_REQUEST_BURST": "100000",
        "RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
    }


@dataclass
class Gateway:
    """One running gateway process.

    `base_url` is its PUBLIC_URL (the issuer, and the audience of its tokens);
    `local_url` is where this process listens. They differ only for a process
    started with another gateway's PUBLIC_URL: requests to it then carry
    `host_header`, as a load balancer in front of both would send.
    """

    binary: Path
    data_dir: Path
    log_path: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    auto_approve: str = ALLOWED_USER
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _tokens: Tokens | None = None

    @property
    def local_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def base_url(self) -> str:
        return self.env_overrides.get("PUBLIC_URL", self.local_url).rstrip("/")

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def local_mcp_url(self) -> str:
        return f"{self.local_url}/mcp"

    @property
    def host_header(self) -> str:
        return httpx.URL(self.base_url).netloc.decode("ascii")

    @property
    def tokens(self) -> Tokens:
        """Tokens from one sign-in through this gateway's OAuth flow (cached)."""
        if self._tokens is None:
            self._tokens = sign_in(self.base_url)
        return self._tokens

    @property
    def bearer(self) -> dict[str, str]:
        """`Authorization: Bearer <access token>` for requests to /mcp."""
        return self.tokens.bearer

    def start(self) -> Gateway:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in _GATEWAY_VARIABLES}
        env.update(default_environment(self.port, self.data_dir))
        env.update(self.env_overrides)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "demo", "--auto-approve", self.auto_approve],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_terminate_with_parent if sys.platform == "linux" else None,
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gateway exited with status {self.process.returncode} before it was ready\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.local_url}/ready", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError as exc:
                last_error = exc
            time.sleep(0.05)
        raise RuntimeError(f"gateway not ready within {timeout}s ({last_error!r})\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGTERM, wait, and return the exit status (killing it after the timeout)."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise RuntimeError(f"gateway did not stop within {timeout}s of SIGTERM\n{self.log_tail()}")
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _terminate_with_parent() -> None:
    """In the child before exec: get SIGTERM if the test process dies without cleaning up."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


StartGateway = Callable[..., Gateway]
"""The `start_gateway` fixture: `start_gateway(data_dir=None, **env) -> Gateway`."""

_GATEWAY_VARIABLES = frozenset(
    {
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "ALLOWED_DOMAIN",
        "SESSION_SECRET",
        "PORT",
        "HOST",
        "PUBLIC_URL",
        "DATA_DIR",
        "LOG_FORMAT",
        "LOG_LEVEL",
        "SSE_KEEP_ALIVE_SECONDS",
        "MAX_MCP_SESSIONS",
        "MAX_MCP_SESSIONS_PER_USER",
        "MAX_REQUEST_BODY_BYTES",
        "ACCESS_TOKEN_TTL_SECONDS",
        "ALLOWED_EMAILS",
        "GOOGLE_BASE_URL",
        "GOOGLE_REDIRECT_URI",
        "MCP_SESSION_IDLE_SECONDS",
        "REVOCATION_POLL_SECONDS",
        "OAUTH_EXTRA_REDIRECT_URIS",
        "SESSION_MAX_AGE",
        "SHUTDOWN_DRAIN_SECONDS",
        "TOOL_TIMEOUT_SECONDS",
        "VAULT_MASTER_KEY",
        "VAULT_PREVIOUS_KEYS",
        "AWS_REGION",
        "DYNAMODB_TABLE_NAME",
        "KMS_KEY_ID",
    }
)
