"""Fixtures: moto (DynamoDB + KMS), one KMS key, and fleets of gateway tasks.

scripts/test-multitask.sh starts moto and exports AWS_ENDPOINT_URL (and the
static test credentials); run alone, these fixtures start a moto_server from
the virtualenv themselves.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import pytest

from procs import (
    TEST_DOMAIN,
    FakeGoogleProcess,
    Task,
    base_environment,
    binary,
    free_port,
    run_command,
    tail,
)

TASK_NAMES = ("A", "B", "C")


@dataclass
class Aws:
    endpoint: str
    region: str
    key_id: str

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, service: str):  # type: ignore[no-untyped-def]
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


@pytest.fixture(scope="session")
def binaries() -> None:
    for variable, name in (("MCP_GATEWAY_BIN", "mcp-gateway"), ("FAKE_GOOGLE_BIN", "fake-google")):
        path = binary(variable, name)
        if not path.is_file():
            pytest.fail(f"{path} not found: cargo build -p {name} or set {variable}", pytrace=False)


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aws]:
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("MOTO_URL")
    process = None
    if not endpoint:
        moto = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
        port = free_port()
        log = tmp_path_factory.mktemp("moto") / "moto.log"
        process = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{endpoint}/moto-api/data.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
    region = os.environ.get("AWS_REGION", "us-east-1")
    key = boto3.client(
        "kms", endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    ).create_key(Description="mcp-gateway multitask tests")
    yield Aws(endpoint, region, key["KeyMetadata"]["Arn"])
    if process is not None:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


@dataclass
class Fleet:
    """The gateway tasks of one test and everything they share."""

    work: Path
    aws: Aws | None
    table: str | None
    public_port: int
    google: FakeGoogleProcess
    session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    tasks: dict[str, Task] = field(default_factory=dict)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = base_environment()
        env.update(
            {
                "HOST": "127.0.0.1",
                "PUBLIC_URL": self.public_url,
                "SESSION_SECRET": self.session_secret,
                "GOOGLE_BASE_URL": self.google.front.url if self.google.front else self.google.base_url,
                "GOOGLE_CLIENT_ID": self.google.client_id,
                "GOOGLE_CLIENT_SECRET": self.google.client_secret,
                "ALLOWED_DOMAIN": TEST_DOMAIN,
                "TOOLS": "all",
                # Ended sessions and revocations reach the other tasks within this.
                "REVOCATION_POLL_SECONDS": "1",
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "info",
                "DATA_DIR": str(self.work / "data-admin"),
                # The scale and load tests make more calls per person than
                # the default limits allow; test_rate_limits_across_tasks.py
                # sets its own.
                "RATE_LIMIT_BURST": "100000",
                "RATE_LIMIT_TOOL_CALLS_PER_MINUTE": "1000000",
                "RATE_LIMIT_REQUEST_BURST": "100000",
                "RATE_LIMIT_REQUESTS_PER_MINUTE": "1000000",
                # moto serves one request at a time: an audit record stored
                # per tool call would load it far more than the tests' own
                # store traffic. The trail's storage is tested on moto in the
                # store conformance suite and end to end in
                # tests/python/test_audit.py.
                "AUDIT_RETENTION_DAYS": "0",
            }
        )
        if self.aws is not None:
            assert self.table is not None
            env.update(self.aws.env())
            env.update({"DYNAMODB_TABLE_NAME": self.table, "KMS_KEY_ID": self.aws.key_id})
        env.update(overrides)
        return env

    def add_task(self, name: str, port: int | None = None, wait: bool = True, **overrides: str) -> Task:
        port = port or (self.public_port if not self.tasks else free_port())
        env = self.env(PORT=str(port), DATA_DIR=str(self.work / f"data-{name}"), **overrides)
        task = Task(name, env, self.work).start(wait=wait)
        self.tasks[name] = task
        return task

    def command(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return run_command(list(args), self.env(), self.work, timeout)

    @property
    def a(self) -> Task:
        return self.tasks["A"]

    @property
    def b(self) -> Task:
        return self.tasks["B"]

    @property
    def c(self) -> Task:
        return self.tasks["C"]

    def logs(self) -> str:
        parts = [f"--- fake google ---\n{tail(self.google.log)}"]
        parts += [f"--- task {t.name} ---\n{tail(t.log)}" for t in self.tasks.values()]
        return "\n".join(parts)


MakeFleet = Callable[..., Fleet]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def make_fleet(
    binaries: None, aws: Aws, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[MakeFleet]:
    """Factory: `make_fleet(tasks=("A", "B", "C"), store="dynamodb")` → a running Fleet.

    A fresh DynamoDB table per fleet (created with `mcp-gateway store init`);
    `store="sqlite"` gives one task on the embedded store with no AWS at all.
    Every process is stopped at teardown; a task that exits non-zero on
    SIGTERM fails the test (a SIGKILLed one is expected to be gone).
    """
    fleets: list[Fleet] = []

    def make(
        tasks: tuple[str, ...] = TASK_NAMES,
        store: str = "dynamodb",
        google_users: list[dict[str, str]] | None = None,
        **overrides: str,
    ) -> Fleet:
        work = tmp_path / f"fleet-{len(fleets)}"
        work.mkdir()
        public_port = free_port()
        google = FakeGoogleProcess(work, [f"http://127.0.0.1:{public_port}/oauth/callback"], users=google_users)
        table = None
        fleet = Fleet(work, aws if store == "dynamodb" else None, table, public_port, google)
        fleets.append(fleet)
        google.start()
        if store == "dynamodb":
            fleet.table = f"mt-{request.node.name[:40].replace('_', '-')}-{secrets.token_hex(4)}"
            init = fleet.command("store", "init")
            assert init.returncode == 0, f"store init failed: {init.stdout}\n{init.stderr}"
        for name in tasks:
            fleet.add_task(name, **overrides)
        return fleet

    yield make

    if request.node.stash.get(CALL_FAILED, False):
        for fleet in fleets:
            print(f"\n=== logs of {fleet.work} ===\n{fleet.logs()}")
    failures = []
    for fleet in fleets:
        for task in fleet.tasks.values():
            killed = task.process is not None and task.process.returncode == -signal.SIGKILL
            status = task.stop()
            if status != 0 and not killed:
                failures.append(f"task {task.name} exited with {status}\n{tail(task.log)}")
        fleet.google.stop()
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
