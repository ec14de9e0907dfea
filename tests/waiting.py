"""Waiting for another process or thread to get somewhere: polled, with a deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


async def until(
    check: Callable[[], Awaitable[T]],
    *,
    what: str,
    within: float = 30.0,
    every: float = 0.05,
    explain: Callable[[], str] | None = None,
) -> T:
    """Await ``check()`` until it returns something true, and return that; fail the
    test, naming ``what`` (and adding ``explain()``, such as a server's log), if
    ``within`` seconds pass first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            details = f"\n{explain()}" if explain is not None else ""
            pytest.fail(f"gave up after {within:g} s waiting for {what}{details}")
        # Another process's progress is what is awaited here, not the passing of time.
        await asyncio.sleep(every)
