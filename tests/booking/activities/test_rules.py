"""Which activities block time: the named rule, and the SQL of the busy query held to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.activities import repository, rules
from booking.activities import service as activities
from booking.activities.records import ActivityRecord
from booking.activities.schemas import ActivityCreate, ActivityUpdate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate

#: (all_day, completed) -> blocks time
CASES = [
    (False, False, True),
    (False, True, False),
    (True, False, False),
    (True, True, False),
]


@pytest.mark.parametrize(("all_day", "completed", "blocks"), CASES)
def test_only_timed_uncompleted_activities_block(
    all_day: bool, completed: bool, blocks: bool
) -> None:
    class Occupancy:
        def __init__(self) -> None:
            self.all_day, self.completed = all_day, completed

    assert rules.blocks_time(Occupancy()) is blocks


@pytest.mark.usefixtures("db")
async def test_the_busy_query_agrees_with_the_rule() -> None:
    host = await hosts.create(HostCreate(email="ada@example.com", slug="ada"))
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made: list[ActivityRecord] = []
    for index, (all_day, completed, _) in enumerate(CASES):
        at = start + timedelta(hours=index)
        created = await activities.create(
            host.id,
            ActivityCreate(title=f"case {index}", start=at, end=at + timedelta(minutes=30),
                           all_day=all_day),
        )  # fmt: skip
        if completed:
            await activities.update(host.id, created.id, ActivityUpdate(completed=True))
        record = await repository.by_id(created.id)
        assert record is not None
        assert (record.all_day, record.completed) == (all_day, completed)
        made.append(record)

    busy = await repository.busy_intervals(host.id, start, start + timedelta(days=1), None)

    assert {b.id for b in busy} == {r.id for r in made if rules.blocks_time(r)}
    # The table covers both answers, so agreeing is not agreeing on "nothing".
    assert 0 < len(busy) < len(made)
