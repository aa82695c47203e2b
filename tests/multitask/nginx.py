"""nginx standing in for the ALB: round-robin over the tasks, no stickiness,
an idle timeout of 60 s on both sides, streaming responses unbuffered."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

IDLE_TIMEOUT_SECONDS = 60

CONFIG = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    upstream tasks {{
        {servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 8m;
        keepalive_timeout {idle}s;
        client_body_timeout {idle}s;
        location / {{
            proxy_pass http://tasks;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto http;
            proxy_buffering off;
            proxy_request_buffering on;
            proxy_read_timeout {idle}s;
            proxy_send_timeout {idle}s;
            proxy_connect_timeout 2s;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    work: Path
    port: int
    upstreams: list[int]
    process: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.work / "nginx.conf"

    def write_config(self) -> None:
        servers = "\n        ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in self.upstreams)
        self.conf.write_text(CONFIG.format(work=self.work, servers=servers, port=self.port, idle=IDLE_TIMEOUT_SECONDS))

    def start(self) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.work.mkdir(parents=True, exist_ok=True)
        self.write_config()
        conf = self.conf
        self.process = subprocess.Popen(
            [binary, "-p", str(self.work), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.work / "nginx-stderr.log").open("wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {(self.work / 'nginx-error.log').read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
