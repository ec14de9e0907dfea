"""explain(): every reason, typed, in a fixed order."""

from __future__ import annotations

from datetime import date, timedelta

from availability import (
    BusyBlock,
    BusyConflict,
    DailyLimitReached,
    EventRules,
    NotASlotStart,
    OutsideHorizon,
    OutsideWorkingHours,
    Schedule,
    TooSoon,
    WeeklyLimitReached,
    explain,
)
from tests.availability.helpers import local, minutes, utc

SCHEDULE = Schedule("UTC", {d: ["09:00-12:00"] for d in range(5)}, {date(2024, 1, 10): []})
RULES = EventRules(minutes(30))
NOW = utc(2024, 1, 1)


def codes(at: object, rules: EventRules = RULES, **kwargs: object) -> list[str]:
    found = explain(
        SCHEDULE,
        kwargs.pop("busy", []),
        rules,
        now=kwargs.pop("now", NOW),
        at=at,  # type: ignore[arg-type]
        **kwargs,
    )  # type: ignore[arg-type]
    return [r.code for r in found]


def test_bookable_has_no_reason() -> None:
    assert codes(utc(2024, 1, 8, 9)) == []


def test_outside_hours_and_blocked_date() -> None:
    assert codes(utc(2024, 1, 8, 8)) == ["outside_working_hours"]
    assert codes(utc(2024, 1, 8, 11, 45)) == ["outside_working_hours"]  # would end after 12:00
    [reason] = explain(SCHEDULE, [], RULES, now=NOW, at=utc(2024, 1, 10, 9))
    assert isinstance(reason, OutsideWorkingHours)
    assert reason.date_blocked
    assert "blocked" in reason.message


def test_not_on_grid() -> None:
    assert codes(utc(2024, 1, 8, 9, 10)) == ["not_a_slot_start"]
    assert codes(utc(2024, 1, 8, 9) + timedelta(microseconds=1)) == ["not_a_slot_start"]


def test_second_occurrence_of_a_repeated_time_is_not_a_start() -> None:
    schedule = Schedule("America/New_York", {6: ["00:00-04:00"]})
    first = local("America/New_York", 2024, 11, 3, 1, 30, fold=0)
    second = local("America/New_York", 2024, 11, 3, 1, 30, fold=1)
    assert explain(schedule, [], RULES, now=NOW, at=first) == []
    [reason] = explain(schedule, [], RULES, now=NOW, at=second)
    assert isinstance(reason, NotASlotStart)


def test_notice_horizon_and_limits_all_reported() -> None:
    rules = EventRules(
        minutes(30),
        minimum_notice=timedelta(days=30),
        horizon_days=2,
        horizon_range=(date(2024, 1, 1), date(2024, 1, 5)),
        max_per_day=1,
        max_per_week=1,
    )
    bookings = [(utc(2024, 1, 8, 15), utc(2024, 1, 8, 16))]
    found = explain(SCHEDULE, [], rules, now=NOW, at=utc(2024, 1, 8, 9), existing_bookings=bookings)
    assert found == [
        TooSoon(utc(2024, 1, 31)),
        OutsideHorizon(date(2024, 1, 8), None, date(2024, 1, 3)),
        OutsideHorizon(date(2024, 1, 8), date(2024, 1, 1), date(2024, 1, 5)),
        DailyLimitReached(date(2024, 1, 8), 1, 1),
        WeeklyLimitReached(date(2024, 1, 8), 1, 1),
    ]
    assert all(reason.message for reason in found)


def test_every_touching_block_with_its_source() -> None:
    rules = EventRules(minutes(30), buffer_before=minutes(10), buffer_after=minutes(10))
    busy = [
        BusyBlock(utc(2024, 1, 8, 9, 35), utc(2024, 1, 8, 10), "ics:holidays", tentative=True),
        BusyBlock(utc(2024, 1, 8, 8), utc(2024, 1, 8, 8, 51), "google:work", title="Standup"),
        BusyBlock(utc(2024, 1, 8, 8), utc(2024, 1, 8, 8, 50), "google:work"),  # touches nothing
        BusyBlock(utc(2024, 1, 8, 9, 40), utc(2024, 1, 8, 9, 40), "empty"),  # blocks nothing
    ]
    found = explain(SCHEDULE, busy, rules, now=NOW, at=utc(2024, 1, 8, 9))
    assert found == [BusyConflict(busy[1]), BusyConflict(busy[0])]
    assert found[0].message == "busy (google:work): Standup, 2024-01-08 08:00-08:51 UTC"
    assert found[1].message.startswith("tentative (ics:holidays)")
