"""Several processes spending one stale grant at once: the refresh race tests' runner.

Each racer (a ``refresher`` module run with ``python -m``) loads the same stale tokens,
prints ``{"ready": true}``, waits for "go", refreshes through the shared refresh and
prints the access token it ended up with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tests.processes import released_together


async def race_refreshes(
    argv: Sequence[str],
    env: Mapping[str, str],
    processes: int,
    *,
    slow_provider: Callable[[float], None],
    latency: float,
) -> list[str]:
    """Start ``processes`` racers, release them together while the provider answers
    ``latency`` seconds late (so every other racer reaches the lock while one refreshes),
    and return the access token each ended with."""
    try:
        answers = await released_together(
            [argv] * processes, env, before_go=lambda: slow_provider(latency)
        )
    finally:
        slow_provider(0)
    return [str(answer["access_token"]) for answer in answers]
