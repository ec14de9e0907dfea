"""Every sync benchmark still runs, small (``BENCH_EVENTS``), and its idle round still
costs one request per calendar and no write.

The benchmarks are not part of the suite's timing (docs/performance.md), but they import
the app's internals, and nothing else would notice when a change breaks one: this did
happen (a typed-records change left two of them raising on the first sync).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("script", ["sync_google.py", "sync_microsoft.py", "sync_caldav.py"])
def test_a_sync_benchmark_runs_and_its_idle_round_is_one_request_and_no_write(
    script: str, tmp_path: Path
) -> None:
    env = {**os.environ, "BENCH_EVENTS": "40", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    metrics = {line["metric"]: line for line in lines}
    assert all({"bench", "value", "unit", "floor", "ratio"} <= line.keys() for line in lines)
    calls = next(
        v for k, v in metrics.items() if k.startswith("idle_round_") and "per_calendar" in k
    )
    assert calls["value"] == 1
    assert metrics["idle_round_block_writes"]["value"] == 0


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_the_two_way_sync_benchmark_runs_and_its_idle_round_is_one_call_and_no_write(
    provider: str, tmp_path: Path
) -> None:
    env = {**os.environ, "BENCH_EVENTS": "40", "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sync.py"), provider],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    metrics = {line["metric"]: line["value"] for line in lines}
    assert {"push_create_40", "push_update_40", "import_create_40", "import_update_40"} <= set(
        metrics
    )
    # Each import also carries its database floor: storing what it imported costs time.
    imports = [line for line in lines if line["metric"].startswith("import_")]
    assert len(imports) == 3
    assert all(line["db_floor_ms"] > 0 and line["best_possible_ratio"] > 1 for line in imports)
    # And the adapter's own listing of those changes, which reads every event it fetched.
    assert all(line["adapter_listing_ms"] > 0 for line in imports)
    assert metrics["idle_round_api_calls_per_calendar"] == 1
    assert metrics["idle_round_provider_writes"] == 0
    assert metrics["idle_round_db_writes"] == 0
