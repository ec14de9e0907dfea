"""Bounded retries for provider calls: exponential backoff with full jitter, never
shorter than the provider's ``Retry-After``."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from integrations.accounts.errors import RateLimited, Unavailable

__all__ = ["RetryPolicy"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` calls at most. The wait before retry ``n`` (0-based) is uniform in
    ``[0, min(cap, base * 2**n))`` (full jitter: clients that failed together do not
    retry together), raised to ``Retry-After`` when the provider sent one. A
    ``Retry-After`` beyond ``max_wait`` is not waited for in-process: the error goes
    up and the next poll tries again. ``sleep`` is injected so tests never sleep."""

    attempts: int = 5
    base: float = 1.0
    cap: float = 30.0
    max_wait: float = 120.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        jittered = self.rng.uniform(0.0, min(self.cap, self.base * 2**attempt))
        return max(jittered, retry_after or 0.0)

    async def run(self, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except (RateLimited, Unavailable) as exc:
                retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
                attempt += 1
                if attempt >= self.attempts or (retry_after or 0.0) > self.max_wait:
                    raise
                await self.sleep(self.delay(attempt - 1, retry_after))
