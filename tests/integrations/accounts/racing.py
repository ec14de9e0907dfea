"""Several processes spending one stale grant at once: the refresh race tests' runner.

Each racer (a ``refresher`` module run with ``python -m``) loads the same stale tokens,
prints ``{"ready": true}``, waits for "go", refreshes through the shared refresh and
prints the access token it ended up with.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence


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
    racers = [
        await asyncio.create_subprocess_exec(
            *argv, env=dict(env), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(processes)
    ]
    try:
        for racer in racers:
            assert racer.stdout is not None
            line = await asyncio.wait_for(racer.stdout.readline(), timeout=60)
            assert json.loads(line) == {"ready": True}
        slow_provider(latency)
        for racer in racers:  # all of them hold the same stale grant
            assert racer.stdin is not None
            racer.stdin.write(b"go\n")
            await racer.stdin.drain()
        got = []
        for racer in racers:
            assert racer.stdout is not None
            line = await asyncio.wait_for(racer.stdout.readline(), timeout=60)
            got.append(str(json.loads(line)["access_token"]))
        return got
    finally:
        slow_provider(0)
        for racer in racers:
            if racer.returncode is None:
                racer.kill()
            await racer.wait()
