"""Racing real processes: start several, wait until each says it is ready, release them
at once, and collect what each answered.

A racer prints ``{"ready": true}`` when it has done everything but the racing step,
waits for a line on stdin ("go"), races, and prints one JSON object as its answer.
Threads or tasks in the test's process would share its connections, its event loop
and its GIL; processes share only what production processes share (the database).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

TIMEOUT = 60


async def _line(process: asyncio.subprocess.Process) -> Any:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=TIMEOUT)
    assert line, f"a racer ended without answering (exit {await process.wait()})"
    return json.loads(line)


async def released_together(
    commands: Sequence[Sequence[str]],
    env: Mapping[str, str],
    *,
    before_go: Callable[[], None] = lambda: None,
    after_go: Callable[[], Awaitable[None]] | None = None,
) -> list[Any]:
    """Run one racer per command; ``before_go`` runs once all are ready, ``after_go``
    once all are released (to let go of something they wait on). The answers come in
    the order of ``commands``."""
    racers = [
        await asyncio.create_subprocess_exec(
            *argv, env=dict(env), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        for argv in commands
    ]
    try:
        for racer in racers:
            assert await _line(racer) == {"ready": True}
        before_go()
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write(b"go\n")
            await racer.stdin.drain()
        if after_go is not None:
            await after_go()
        return [await _line(racer) for racer in racers]
    finally:
        for racer in racers:
            if racer.returncode is None:
                racer.kill()
            await racer.wait()
