"""The pure planner and the retry policy."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from integrations.accounts.errors import ProviderError, RateLimited, Unavailable
from integrations.calendars.planner import plan
from integrations.calendars.provider import EventFacts, RemoteEvent, SyncWindow
from integrations.calendars.retry import RetryPolicy
from tests.integrations.calendars.helpers import Sleeps, at

WINDOW = SyncWindow(at(1, 0), at(31, 0))


def facts(event: RemoteEvent) -> EventFacts | None:
    if event.payload.get("bad"):
        raise ValueError("malformed")
    if event.payload.get("instant"):
        return None
    day = int(event.payload["day"])
    start = at(1, 0) + timedelta(days=day)
    return EventFacts(start, start + timedelta(hours=1), False, True, False, False, "t")


def event(remote_id: str, day: int = 1, *, deleted: bool = False, **extra: object) -> RemoteEvent:
    return RemoteEvent(remote_id, deleted, payload={"day": day, **extra})


def test_incremental_plan_writes_changes_and_deletes_what_no_longer_blocks() -> None:
    result = plan(
        [
            event("a", 2),
            event("b", deleted=True),
            event("c", instant=True),
            event("d", 60),
            event("e", bad=True),
            event("a", 3),
        ],
        facts,
        WINDOW,
        full=False,
    )
    assert [(c.event.remote_id, c.facts.start) for c in result.writes] == [("a", at(4, 0))]
    assert result.deletions == ["b", "c", "d", "e"]
    assert result.unreadable == ["e"]


def test_full_plan_deletes_nothing_itself() -> None:
    result = plan([event("a", 2), event("d", 60)], facts, WINDOW, full=True)
    assert [c.event.remote_id for c in result.writes] == ["a"]
    assert result.deletions == []


async def test_retry_gives_up_after_the_last_attempt() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=3, sleep=sleeps, rng=random.Random(1))
    calls = 0

    async def failing() -> None:
        nonlocal calls
        calls += 1
        raise Unavailable("down")

    with pytest.raises(Unavailable):
        await policy.run(failing)
    assert calls == 3
    assert len(sleeps.delays) == 2


async def test_retry_does_not_wait_out_a_long_retry_after_nor_retry_refusals() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(sleep=sleeps, max_wait=60)

    async def limited() -> None:
        raise RateLimited("slow down", retry_after=3600)

    async def refused() -> None:
        raise ProviderError("no")

    with pytest.raises(RateLimited):
        await policy.run(limited)
    with pytest.raises(ProviderError):
        await policy.run(refused)
    assert sleeps.delays == []
