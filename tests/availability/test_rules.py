"""One table per event-type rule, through compute_slots."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from availability import EventRules, InvalidInputError
from tests.availability.helpers import block, hhmm, local_starts, minutes, utc

MONDAY = (utc(2024, 1, 8), utc(2024, 1, 9))  # 2024-01-08 is a Monday
WEEK = (utc(2024, 1, 8), utc(2024, 1, 15))


class TestDurationAndStep:
    @pytest.mark.parametrize(
        ("duration", "step", "expected"),
        [
            (60, None, ["09:00", "10:00", "11:00"]),  # step defaults to duration
            (30, None, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
            (60, 30, ["09:00", "09:30", "10:00", "10:30", "11:00"]),
            (45, 60, ["09:00", "10:00", "11:00"]),
            (90, 45, ["09:00", "09:45", "10:30"]),
            (180, None, ["09:00"]),  # exactly fills the range
            (181, None, []),  # longer than the range
        ],
    )
    def test_grid(self, duration: int, step: int | None, expected: list[str]) -> None:
        rules = EventRules(minutes(duration), step=None if step is None else minutes(step))
        assert hhmm(local_starts("UTC", {0: ["09:00-12:00"]}, rules, MONDAY)) == expected

    def test_each_range_has_its_own_grid(self) -> None:
        rules = EventRules(minutes(30))
        got = hhmm(local_starts("UTC", {0: ["09:10-10:10", "13:05-14:00"]}, rules, MONDAY))
        assert got == ["09:10", "09:40", "13:05"]

    def test_touching_ranges_merge(self) -> None:
        rules = EventRules(minutes(60))
        got = hhmm(local_starts("UTC", {0: ["09:00-09:30", "09:30-11:00"]}, rules, MONDAY))
        assert got == ["09:00", "10:00"]


class TestAlignment:
    @pytest.mark.parametrize(
        ("alignment", "expected"),
        [
            (None, ["09:10", "09:40", "10:10", "10:40"]),  # from the range start
            (15, ["09:15", "09:45", "10:15"]),  # first quarter hour, then the step
            (30, ["09:30", "10:00", "10:30"]),
            (60, ["10:00", "10:30"]),
        ],
    )
    def test_alignment(self, alignment: int | None, expected: list[str]) -> None:
        rules = EventRules(minutes(30), alignment=None if alignment is None else minutes(alignment))
        assert hhmm(local_starts("UTC", {0: ["09:10-11:10"]}, rules, MONDAY)) == expected


class TestBuffers:
    # One busy block 10:00-11:00 in a 09:00-13:00 day, 30-minute slots.
    @pytest.mark.parametrize(
        ("before", "after", "expected"),
        [
            (0, 0, ["09:00", "09:30", "11:00", "11:30", "12:00", "12:30"]),
            (0, 15, ["09:00", "11:00", "11:30", "12:00", "12:30"]),
            (15, 0, ["09:00", "09:30", "11:30", "12:00", "12:30"]),
            (30, 30, ["09:00", "11:30", "12:00", "12:30"]),
            (31, 31, ["12:00", "12:30"]),
        ],
    )
    def test_buffers(self, before: int, after: int, expected: list[str]) -> None:
        rules = EventRules(minutes(30), buffer_before=minutes(before), buffer_after=minutes(after))
        busy = [block(utc(2024, 1, 8, 10), utc(2024, 1, 8, 11))]
        got = hhmm(local_starts("UTC", {0: ["09:00-13:00"]}, rules, MONDAY, busy=busy))
        assert got == expected

    @pytest.mark.parametrize(
        ("busy_start", "busy_end", "offered"),
        [
            ((9, 30), (9, 50), True),  # ends exactly at start - buffer_before: no conflict
            ((9, 30), (9, 51), False),
            ((10, 40), (11, 0), True),  # starts exactly at end + buffer_after
            ((10, 39), (11, 0), False),
            ((10, 0), (10, 0), True),  # an empty block blocks nothing
        ],
    )
    def test_half_open_edges(
        self, busy_start: tuple[int, int], busy_end: tuple[int, int], offered: bool
    ) -> None:
        rules = EventRules(minutes(30), buffer_before=minutes(10), buffer_after=minutes(10))
        busy = [block(utc(2024, 1, 8, *busy_start), utc(2024, 1, 8, *busy_end))]
        got = hhmm(local_starts("UTC", {0: ["10:00-10:30"]}, rules, MONDAY, busy=busy))
        assert got == (["10:00"] if offered else [])


class TestNotice:
    @pytest.mark.parametrize(
        ("now", "notice", "expected"),
        [
            (utc(2024, 1, 8, 9, 0), 0, ["09:00", "10:00", "11:00"]),  # start == now is fine
            (utc(2024, 1, 8, 9, 1), 0, ["10:00", "11:00"]),
            (utc(2024, 1, 8, 8, 0), 120, ["10:00", "11:00"]),  # exactly now + notice
            (utc(2024, 1, 8, 8, 1), 120, ["11:00"]),
            (utc(2024, 1, 8, 12, 0), 0, []),
        ],
    )
    def test_minimum_notice(self, now: object, notice: int, expected: list[str]) -> None:
        rules = EventRules(minutes(60), minimum_notice=minutes(notice))
        got = local_starts("UTC", {0: ["09:00-12:00"]}, rules, MONDAY, now=now)  # type: ignore[arg-type]
        assert hhmm(got) == expected

    def test_sub_second_now_excludes_the_same_second(self) -> None:
        rules = EventRules(minutes(60))
        now = utc(2024, 1, 8, 9) + timedelta(microseconds=1)
        assert hhmm(local_starts("UTC", {0: ["09:00-11:00"]}, rules, MONDAY, now=now)) == ["10:00"]


class TestHorizon:
    EVERY_DAY = {d: ["09:00-10:00"] for d in range(7)}

    @pytest.mark.parametrize(
        ("days", "expected"),
        [
            (0, ["01-08"]),  # today only
            (1, ["01-08", "01-09"]),
            (3, ["01-08", "01-09", "01-10", "01-11"]),
            (None, ["01-08", "01-09", "01-10", "01-11", "01-12", "01-13", "01-14"]),
        ],
    )
    def test_rolling_days_are_host_local_dates(self, days: int | None, expected: list[str]) -> None:
        rules = EventRules(minutes(60), horizon_days=days)
        got = local_starts("UTC", self.EVERY_DAY, rules, WEEK, now=utc(2024, 1, 8, 8))
        assert [s[:5] for s in got] == expected

    def test_rolling_horizon_counts_days_in_the_host_zone(self) -> None:
        # 2024-01-08 20:00 UTC is already 01-09 in Tokyo: "today" is the 9th there.
        rules = EventRules(minutes(60), horizon_days=1)
        got = local_starts("Asia/Tokyo", self.EVERY_DAY, rules, WEEK, now=utc(2024, 1, 8, 20))
        assert [s[:5] for s in got] == ["01-09", "01-10"]

    def test_fixed_range_is_inclusive(self) -> None:
        rules = EventRules(minutes(60), horizon_range=(date(2024, 1, 10), date(2024, 1, 11)))
        got = local_starts("UTC", self.EVERY_DAY, rules, WEEK)
        assert [s[:5] for s in got] == ["01-10", "01-11"]

    def test_both_horizons_apply(self) -> None:
        rules = EventRules(
            minutes(60), horizon_days=3, horizon_range=(date(2024, 1, 10), date(2024, 1, 20))
        )
        got = local_starts("UTC", self.EVERY_DAY, rules, WEEK, now=utc(2024, 1, 8))
        assert [s[:5] for s in got] == ["01-10", "01-11"]


class TestLimits:
    EVERY_DAY = {d: ["09:00-11:00"] for d in range(7)}

    def test_max_per_day_counts_existing_bookings(self) -> None:
        rules = EventRules(minutes(60), max_per_day=2)
        bookings = [
            (utc(2024, 1, 9, 12), utc(2024, 1, 9, 13)),
            (utc(2024, 1, 9, 14), utc(2024, 1, 9, 15)),
            (utc(2024, 1, 10, 12), utc(2024, 1, 10, 13)),
        ]
        got = local_starts(
            "UTC", self.EVERY_DAY, rules, (utc(2024, 1, 8), utc(2024, 1, 11)), bookings=bookings
        )
        assert [s[:5] for s in got] == ["01-08", "01-08", "01-10", "01-10"]

    def test_max_per_day_uses_the_host_local_date(self) -> None:
        # 23:30 UTC on the 8th is the 9th in Berlin.
        rules = EventRules(minutes(60), max_per_day=1)
        bookings = [(utc(2024, 1, 8, 23, 30), utc(2024, 1, 9, 0, 30))]
        got = local_starts(
            "Europe/Berlin",
            self.EVERY_DAY,
            rules,
            (utc(2024, 1, 8), utc(2024, 1, 10)),
            bookings=bookings,
        )
        assert [s[:5] for s in got] == ["01-08", "01-08"]

    def test_max_per_week_weeks_start_on_monday(self) -> None:
        rules = EventRules(minutes(60), max_per_week=2)
        bookings = [  # Sunday 7th (previous week) and Monday 8th, Tuesday 9th
            (utc(2024, 1, 7, 12), utc(2024, 1, 7, 13)),
            (utc(2024, 1, 8, 12), utc(2024, 1, 8, 13)),
            (utc(2024, 1, 9, 12), utc(2024, 1, 9, 13)),
        ]
        window = (utc(2024, 1, 6), utc(2024, 1, 16))
        got = local_starts("UTC", self.EVERY_DAY, rules, window, bookings=bookings)
        days = sorted({s[:5] for s in got})
        assert days == ["01-06", "01-07", "01-15"]

    def test_zero_means_never(self) -> None:
        rules = EventRules(minutes(60), max_per_day=0)
        assert local_starts("UTC", self.EVERY_DAY, rules, MONDAY) == []


class TestWindow:
    def test_start_inclusive_end_exclusive(self) -> None:
        rules = EventRules(minutes(60))
        got = local_starts(
            "UTC", {0: ["09:00-13:00"]}, rules, (utc(2024, 1, 8, 10), utc(2024, 1, 8, 12))
        )
        assert hhmm(got) == ["10:00", "11:00"]

    def test_empty_window(self) -> None:
        rules = EventRules(minutes(60))
        assert (
            local_starts("UTC", {0: ["09:00-13:00"]}, rules, (utc(2024, 1, 9), utc(2024, 1, 8)))
            == []
        )

    def test_slot_may_end_after_the_window(self) -> None:
        rules = EventRules(minutes(60))
        got = local_starts(
            "UTC", {0: ["09:00-13:00"]}, rules, (utc(2024, 1, 8, 11), utc(2024, 1, 8, 11, 1))
        )
        assert hhmm(got) == ["11:00"]


class TestValidation:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"duration": timedelta(0)},
            {"duration": timedelta(minutes=-5)},
            {"duration": timedelta(seconds=1.5)},
            {"duration": minutes(30), "step": timedelta(0)},
            {"duration": minutes(30), "alignment": timedelta(0)},
            {"duration": minutes(30), "buffer_before": minutes(-1)},
            {"duration": minutes(30), "buffer_after": minutes(-1)},
            {"duration": minutes(30), "minimum_notice": minutes(-1)},
            {"duration": minutes(30), "horizon_days": -1},
            {"duration": minutes(30), "max_per_day": -1},
            {"duration": minutes(30), "max_per_week": True},
            {"duration": minutes(30), "horizon_range": (date(2024, 2, 1), date(2024, 1, 1))},
            {"duration": 30},
        ],
    )
    def test_bad_rules_are_refused(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(InvalidInputError):
            EventRules(**kwargs)  # type: ignore[arg-type]

    def test_huge_horizon_does_not_overflow(self) -> None:
        rules = EventRules(minutes(60), horizon_days=10**9)
        assert hhmm(local_starts("UTC", {0: ["09:00-10:00"]}, rules, MONDAY)) == ["09:00"]
