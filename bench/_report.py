"""How every benchmark reports: one JSON line per figure, with the floor measured in
the same run and the ratio between them (docs/performance.md)."""

from __future__ import annotations

import json
import os


def json_line(
    bench: str, metric: str, value: float, unit: str, floor: float, **extra: float
) -> str:
    # A floor of 0 (an idle round's writes): 0 of 0 is on target, anything else is not.
    ratio = value / floor if floor else (0.0 if value == 0 else float("inf"))
    return json.dumps(
        {
            "bench": bench,
            "metric": metric,
            "value": round(value, 4),
            "unit": unit,
            "floor": round(floor, 4),
            "ratio": round(ratio, 3),
            **{k: round(v, 3) for k, v in extra.items()},
        }
    )


def emit(bench: str, metric: str, value: float, unit: str, floor: float, **extra: float) -> None:
    print(json_line(bench, metric, value, unit, floor, **extra), flush=True)


def events(default: int) -> int:
    """How many events a sync benchmark imports: ``BENCH_EVENTS`` (the suite's smoke
    test runs every benchmark small, so none of them rots unseen), else ``default``."""
    return int(os.environ.get("BENCH_EVENTS", default))


def runs(default: int) -> int:
    """How often each side is measured (the best run counts); once in a smoke run."""
    return 1 if "BENCH_EVENTS" in os.environ else default
