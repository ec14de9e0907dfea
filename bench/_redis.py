"""Shared by the benchmarks that need Redis: they skip, saying so, where there is none
(`make bench` runs on a newcomer's laptop too)."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError


async def redis_reachable(url: str) -> bool:
    client = aioredis.from_url(url)
    try:
        await client.ping()
    except (OSError, RedisError):
        return False
    finally:
        await client.aclose()
    return True
