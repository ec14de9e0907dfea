"""Sign-in throttling: where the attempt records live, and the sign-in page's use of them.

The rules are :mod:`booking.hosts.throttle` (pure). Each record is changed atomically,
so parallel guesses cannot all read the same count: with Redis (``REDIS_URL``) by a
WATCH/MULTI transaction, shared by every process and machine; without it in the
process's memory, where a change has no ``await`` in the middle and so cannot
interleave. Without Redis each process keeps its own records: ``serve --workers N``
gives a guesser N budgets, which docs/security.md says, as it does for the booking
rate limit.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import WatchError

from booking.hosts.throttle import (
    ACCOUNT_POLICY,
    CLIENT_POLICY,
    AttemptRecord,
    ThrottlePolicy,
    admit,
    expires_in,
    forgive,
)

T = TypeVar("T")
#: Takes the stored record (or None), returns what to store (None: delete) and a result.
Change = Callable[[AttemptRecord | None], tuple[AttemptRecord | None, T]]


class AttemptStore(Protocol):
    async def change(self, key: str, change: Change[T], policy: ThrottlePolicy) -> T: ...


class MemoryAttempts:
    _PRUNE_AT = 10_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._records: dict[str, AttemptRecord] = {}
        self._policies: dict[str, ThrottlePolicy] = {}
        self._clock = clock

    async def change(self, key: str, change: Change[T], policy: ThrottlePolicy) -> T:
        new, result = change(self._records.get(key))
        if new is None:
            self._records.pop(key, None)
        else:
            self._records[key] = new
            self._policies[key] = policy
        if len(self._records) > self._PRUNE_AT:
            self._prune()
        return result

    def _prune(self) -> None:
        # Someone spraying many addresses must not grow this without bound.
        now = self._clock()
        for key, record in list(self._records.items()):
            if expires_in(record, now, self._policies[key]) <= 0:
                del self._records[key]
                del self._policies[key]


class RedisAttempts:
    def __init__(self, redis: Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._clock = clock

    async def change(self, key: str, change: Change[T], policy: ThrottlePolicy) -> T:
        name = f"rendezvous:signin:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(name)
                    raw: bytes | str | None = await pipe.get(name)
                    new, result = change(_decode(raw))
                    pipe.multi()  # type: ignore[no-untyped-call]
                    if new is None:
                        pipe.delete(name)
                    else:
                        ttl = max(1, math.ceil(expires_in(new, self._clock(), policy)))
                        pipe.set(name, _encode(new), ex=ttl)
                    await pipe.execute()
                    return result
                except WatchError:
                    continue  # another process changed the record in between: redo


def _encode(record: AttemptRecord) -> str:
    return json.dumps([record.attempts, record.blocked_until, record.last_attempt])


def _decode(raw: bytes | str | None) -> AttemptRecord | None:
    if raw is None:
        return None
    attempts, blocked_until, last_attempt = json.loads(raw)
    return AttemptRecord(int(attempts), float(blocked_until), float(last_attempt))


class SignInThrottle:
    """Per account (the e-mail typed) and per client address."""

    def __init__(self, store: AttemptStore, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    @staticmethod
    def _account(email: str) -> str:
        # Hashed: the store then holds no list of the addresses people typed.
        return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()

    @staticmethod
    def _client(address: str) -> str:
        return f"client:{address}"

    async def _admit(self, key: str, policy: ThrottlePolicy) -> float:
        now = self._clock()

        def change(record: AttemptRecord | None) -> tuple[AttemptRecord | None, float]:
            admission = admit(record, now, policy)
            return admission.record, admission.retry_after

        return await self._store.change(key, change, policy)

    async def _forgive(self, key: str, policy: ThrottlePolicy) -> None:
        now = self._clock()
        await self._store.change(key, lambda record: (forgive(record, now, policy), None), policy)

    async def admit(self, email: str, client: str) -> float:
        """Count one attempt; returns 0 to go ahead, else the seconds to wait."""
        client_key = self._client(client)
        wait = await self._admit(client_key, CLIENT_POLICY)
        if wait:
            return wait
        wait = await self._admit(self._account(email), ACCOUNT_POLICY)
        if wait:
            # Refused for the account: this attempt did not happen for the address.
            await self._forgive(client_key, CLIENT_POLICY)
        return wait

    async def succeeded(self, email: str, client: str) -> None:
        """The password was right: the account starts afresh, the address gets its
        attempt back (other people behind the same address keep their budget)."""
        await self._store.change(self._account(email), lambda _: (None, None), ACCOUNT_POLICY)
        await self._forgive(self._client(client), CLIENT_POLICY)


def sign_in_throttle(redis: Redis | None) -> SignInThrottle:
    return SignInThrottle(RedisAttempts(redis) if redis is not None else MemoryAttempts())
