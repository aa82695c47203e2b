"""Benchmark (marker `bench`, run by `scripts/bench.sh balanced`): tool calls
through nginx (round-robin, no stickiness) to three tasks on DynamoDB and KMS
(moto), on the stateless path and the session path (Mcp-Session-Id), with
`gateway-bench load`. Prints calls per second and latency percentiles of each
path; asserts only that every call succeeded (the figures are read, not
asserted: they depend on the machine). The store and KMS request counts of
both paths are the `paths` benchmark's."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import MakeFleet
from nginx import Nginx
from procs import TEST_USER, free_port
from test_scale import sign_in

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))


def bench_binary() -> Path:
    explicit = os.environ.get("GATEWAY_BENCH_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).resolve().parents[2] / "target"))
    return target / "release" / "gateway-bench"


def figure(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in:\n{text}"
    return float(found.group(1))


@pytest.mark.bench
@pytest.mark.timeout(600)
def test_session_and_stateless_paths_through_nginx(make_fleet: MakeFleet) -> None:
    fleet = make_fleet(tasks=())
    tasks = [fleet.add_task(name, port=free_port()) for name in ("A", "B", "C")]
    balancer = Nginx(fleet.work / "nginx", fleet.public_port, [t.port for t in tasks]).start()
    try:
        token = sign_in(fleet.public_url, TEST_USER)
        results = {}
        for mode in ("stateless", "legacy", "stateless", "legacy"):
            run = subprocess.run(
                [str(bench_binary()), "load", "--url", f"{fleet.public_url}/mcp", "--token", token,
                 "--mode", mode, "--method", "tools/call", "--tool", "whoami",
                 "--concurrency", str(CONCURRENCY), "--seconds", str(SECONDS)],
                capture_output=True, text=True, timeout=SECONDS + 120,
            )
            print(f"\n--- {mode} through nginx to 3 tasks ---\n{run.stdout}{run.stderr}")
            assert run.returncode == 0, run.stderr
            assert figure(r"errors (\d+)", run.stdout) == 0, run.stdout
            # The second run of each path is the one reported: every task warm.
            results[mode] = (
                figure(r"([\d.]+) req/s", run.stdout),
                figure(r"p50 ([\d.]+) ms", run.stdout),
                figure(r"p99 ([\d.]+) ms", run.stdout),
            )
        (s_rate, s_p50, s_p99), (l_rate, l_p50, l_p99) = results["stateless"], results["legacy"]
        print(
            f"\nbalanced: stateless {s_rate:.0f} calls/s p50 {s_p50:.2f} ms p99 {s_p99:.2f} ms; "
            f"session {l_rate:.0f} calls/s p50 {l_p50:.2f} ms p99 {l_p99:.2f} ms; "
            f"session/stateless throughput {l_rate / s_rate:.2f}"
        )
    finally:
        balancer.stop()
