"""A recording reverse proxy in front of the fake Google: the gateways' GOOGLE_BASE_URL.

It forwards every request unchanged and records what passed: the grant of each
`/token` request, every `/revoke`, every Workspace API call, and the Google
tokens handed out (so tests know the exact values that must never be stored
in plaintext). One rewrite, off unless a test asks for it: `code_expires_in`
replaces `expires_in` in answers to the authorization-code grant, which is how
Google tells a client that the access token it just issued lives that long.
The fake Google's own token stays valid; only the gateway's idea of its
lifetime changes, exactly as when Google issues a short-lived token.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


@dataclass
class Exchange:
    method: str
    path: str
    form: dict[str, str]
    status: int
    body: bytes
    bearer: str | None = None


@dataclass
class GoogleFront:
    upstream: str
    code_expires_in: int | None = None
    # Seconds to hold requests whose path starts with a key, before forwarding.
    delays: dict[str, float] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    # (monotonic time, method, path) of every request as it arrives.
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> GoogleFront:
        front = self
        target = urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                arrived_path = urlsplit(self.path).path
                with front.lock:
                    front.arrivals.append((time.monotonic(), self.command, arrived_path))
                    delay = next((d for p, d in front.delays.items() if arrived_path.startswith(p)), 0.0)
                if delay:
                    time.sleep(delay)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    status, reason, answer_headers = answer.status, answer.reason, answer.getheaders()
                finally:
                    upstream.close()
                path = urlsplit(self.path).path
                form: dict[str, str] = {}
                if body and "x-www-form-urlencoded" in (self.headers.get("content-type") or ""):
                    form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                if path == "/token" and status == 200 and form.get("grant_type") == "authorization_code":
                    if front.code_expires_in is not None:
                        document = json.loads(payload)
                        document["expires_in"] = front.code_expires_in
                        payload = json.dumps(document).encode()
                with front.lock:
                    authorization = self.headers.get("authorization") or ""
                    bearer = authorization[7:] if authorization.lower().startswith("bearer ") else None
                    front.exchanges.append(Exchange(self.command, path, form, status, payload, bearer))
                try:
                    self.send_response(status, reason)
                    for name, value in answer_headers:
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the gateway gave up on this request (a cancelled call)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="google-front", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # What passed through.

    def seen(self, path: str | None = None, grant_type: str | None = None) -> list[Exchange]:
        with self.lock:
            found = list(self.exchanges)
        if path is not None:
            found = [e for e in found if e.path == path]
        if grant_type is not None:
            found = [e for e in found if e.form.get("grant_type") == grant_type]
        return found

    def refreshes(self) -> list[Exchange]:
        return self.seen("/token", "refresh_token")

    def revokes(self) -> list[Exchange]:
        return self.seen("/revoke")

    def arrived_after(self, moment: float, prefix: str) -> list[str]:
        """Paths under `prefix` of requests that arrived after `moment` (time.monotonic())."""
        with self.lock:
            return [p for t, _, p in self.arrivals if t > moment and p.startswith(prefix)]

    def api_calls(self, prefix: str = "/gmail/") -> list[Exchange]:
        with self.lock:
            return [e for e in self.exchanges if e.path.startswith(prefix)]

    def issued_tokens(self) -> set[str]:
        """Every Google access and refresh token handed out through this front."""
        tokens: set[str] = set()
        for exchange in self.seen("/token"):
            if exchange.status != 200:
                continue
            document = json.loads(exchange.body)
            for name in ("access_token", "refresh_token"):
                if document.get(name):
                    tokens.add(document[name])
        return tokens
