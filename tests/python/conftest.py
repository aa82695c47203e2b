"""Fixtures: real gateway processes on free loopback ports, each with its own data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway import ALLOWED_USER, Gateway, StartGateway, gateway_binary


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def gateway_bin() -> Path:
    binary = gateway_binary()
    if not binary.is_file():
        pytest.fail(
            f"gateway binary not found at {binary}: run `cargo build -p mcp-gateway` or set MCP_GATEWAY_BIN",
            pytrace=False,
        )
    return binary


@pytest.fixture
def start_gateway(gateway_bin: Path, tmp_path: Path) -> Iterator[StartGateway]:
    """Factory: `start_gateway(data_dir=None, auto_approve=ALLOWED_USER, **env)` starts
    `mcp-gateway demo --auto-approve <auto_approve>` and waits for /ready.

    Every gateway started through it is stopped with SIGTERM at teardown, and the
    test errors unless each one exits with status 0. Pass the same `data_dir` to
    two calls to run two processes over one store.
    """
    started: list[Gateway] = []

    def start(data_dir: Path | None = None, auto_approve: str = ALLOWED_USER, **env: str | int) -> Gateway:
        index = len(started)
        gateway = Gateway(
            binary=gateway_bin,
            data_dir=data_dir or tmp_path / f"data-{index}",
            log_path=tmp_path / f"gateway-{index}.log",
            env_overrides={name: str(value) for name, value in env.items()},
            auto_approve=auto_approve,
        )
        started.append(gateway)
        return gateway.start()

    yield start

    failures = []
    for gateway in reversed(started):
        status = gateway.stop()
        if status != 0:
            failures.append(f"gateway on port {gateway.port} exited with status {status}\n{gateway.log_tail()}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


@pytest.fixture
def gateway(start_gateway: StartGateway) -> Gateway:
    """One gateway with the default test configuration."""
    return start_gateway()


@pytest.fixture
def shared_data_dir(tmp_path: Path) -> Path:
    """A data directory for tests that run two gateways over one store."""
    path = tmp_path / "shared-data"
    path.mkdir()
    return path
