"""Which activities block time: the named rule, and the SQL of the busy query held to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest

from booking.activities import repository, rules
from booking.activities import service as activities
from booking.activities.records import ActivityRecord
from booking.activities.schemas import ActivityCreate, ActivityUpdate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate

TRASHED = datetime(2026, 11, 1, tzinfo=UTC)


class Case(NamedTuple):
    all_day: bool = False
    completed: bool = False
    show_as: str = "busy"
    trashed_at: datetime | None = None


#: case -> blocks time
CASES = [
    (Case(), True),
    (Case(completed=True), False),
    (Case(all_day=True), False),
    (Case(all_day=True, completed=True), False),
    (Case(show_as="tentative"), True),
    (Case(show_as="free"), False),
    (Case(trashed_at=TRASHED), False),
    (Case(show_as="tentative", trashed_at=TRASHED), False),
]


@pytest.mark.parametrize(("case", "blocks"), CASES)
def test_only_timed_uncompleted_busy_activities_outside_the_trash_block(
    case: Case, blocks: bool
) -> None:
    assert rules.blocks_time(case) is blocks


@pytest.mark.usefixtures("db")
async def test_the_busy_query_agrees_with_the_rule() -> None:
    host = await hosts.create(HostCreate(email="ada@example.com", slug="ada"))
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made: list[ActivityRecord] = []
    for index, (case, _) in enumerate(CASES):
        at = start + timedelta(hours=index)
        created = await activities.create(
            host.id,
            ActivityCreate(title=f"case {index}", start=at, end=at + timedelta(minutes=30),
                           all_day=case.all_day, show_as=case.show_as),  # type: ignore[arg-type]
        )  # fmt: skip
        if case.completed:
            await activities.update(host.id, created.id, ActivityUpdate(completed=True))
        if case.trashed_at is not None:
            await repository.update(created.id, {"trashed_at": case.trashed_at})
        record = await repository.by_id(created.id)
        assert record is not None
        assert Case(record.all_day, record.completed, record.show_as, record.trashed_at) == case
        made.append(record)

    busy = await repository.busy_intervals(host.id, start, start + timedelta(days=1), None)

    assert {b.id for b in busy} == {r.id for r in made if rules.blocks_time(r)}
    # The table covers both answers, so agreeing is not agreeing on "nothing".
    assert 0 < len(busy) < len(made)
