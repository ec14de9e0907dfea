"""How every benchmark reports: one JSON line per figure, with the floor measured in
the same run and the ratio between them (docs/performance.md)."""

from __future__ import annotations

import json


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
