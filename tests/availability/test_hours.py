"""Working hours: representation, validation, and wall clock -> UTC resolution."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest

from availability import InvalidInputError, Schedule, TimeRange, working_intervals
from availability.hours import day_offset, offsets_at, wall_to_utc
from tests.availability.helpers import utc


class TestTimeRange:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("09:00-17:00", TimeRange(time(9), time(17))),
            ("22:00-24:00", TimeRange(time(22), time(0))),
            (" 08:30 - 12:15 ", TimeRange(time(8, 30), time(12, 15))),
        ],
    )
    def test_parse(self, text: str, expected: TimeRange) -> None:
        assert TimeRange.parse(text) == expected

    @pytest.mark.parametrize("text", ["9-5", "09:00", "09:00-25:00", "nope"])
    def test_parse_refuses(self, text: str) -> None:
        with pytest.raises(InvalidInputError):
            TimeRange.parse(text)


class TestSchedule:
    def test_ranges_are_merged_and_sorted(self) -> None:
        s = Schedule("UTC", {0: ["13:00-14:00", "09:00-10:00", "09:30-11:00", "11:00-12:00"]})
        assert s.ranges_on(date(2024, 1, 8)) == ((9 * 3600, 12 * 3600), (13 * 3600, 14 * 3600))

    def test_whole_day_and_missing_weekday(self) -> None:
        s = Schedule("UTC", {0: [(time(0), time(0))]})
        assert s.ranges_on(date(2024, 1, 8)) == ((0, 86_400),)
        assert s.ranges_on(date(2024, 1, 9)) == ()

    def test_override_replaces_and_blocks(self) -> None:
        s = Schedule(
            "UTC",
            {0: ["09:00-17:00"]},
            {date(2024, 1, 8): ["10:00-11:00"], date(2024, 1, 15): []},
        )
        assert s.ranges_on(date(2024, 1, 8)) == ((36_000, 39_600),)
        assert s.ranges_on(date(2024, 1, 15)) == ()
        assert s.is_blocked(date(2024, 1, 15))
        assert not s.is_blocked(date(2024, 1, 22))

    @pytest.mark.parametrize(
        ("zone", "weekly", "overrides"),
        [
            ("Nowhere/Land", {}, {}),
            ("UTC", {7: ["09:00-10:00"]}, {}),
            ("UTC", {0: ["10:00-09:00"]}, {}),
            ("UTC", {0: [(time(9), time(9))]}, {}),
            ("UTC", {0: [(time(9, tzinfo=UTC), time(10))]}, {}),
            ("UTC", {0: [(time(9, 0, 0, 5), time(10))]}, {}),
            ("UTC", {0: [(9, 10)]}, {}),
            ("UTC", {}, {datetime(2024, 1, 8): []}),
        ],
    )
    def test_refuses(self, zone: str, weekly: dict, overrides: dict) -> None:  # type: ignore[type-arg]
        with pytest.raises(InvalidInputError):
            Schedule(zone, weekly, overrides)


class TestWallToUtc:
    NY = ZoneInfo("America/New_York")

    @pytest.mark.parametrize(
        ("day", "hhmm", "expected", "exists"),
        [
            (date(2024, 3, 10), (1, 30), utc(2024, 3, 10, 6, 30), True),
            (date(2024, 3, 10), (2, 30), utc(2024, 3, 10, 7, 0), False),  # gap -> the jump
            (date(2024, 3, 10), (3, 0), utc(2024, 3, 10, 7, 0), True),
            (date(2024, 11, 3), (1, 30), utc(2024, 11, 3, 5, 30), True),  # fold -> first
            (date(2024, 11, 3), (2, 0), utc(2024, 11, 3, 7, 0), True),
        ],
    )
    def test_new_york(
        self, day: date, hhmm: tuple[int, int], expected: datetime, exists: bool
    ) -> None:
        seconds, found = wall_to_utc(self.NY, day, hhmm[0] * 3600 + hhmm[1] * 60)
        assert (seconds, found) == (int(expected.timestamp()), exists)

    def test_working_intervals_measure_real_time(self) -> None:
        s = Schedule("America/New_York", {6: ["00:00-06:00", "09:00-17:00"]})
        spring = working_intervals(s, date(2024, 3, 10), date(2024, 3, 10))
        autumn = working_intervals(s, date(2024, 11, 3), date(2024, 11, 3))
        assert [(b - a).total_seconds() / 3600 for a, b in spring] == [5, 8]
        assert [(b - a).total_seconds() / 3600 for a, b in autumn] == [7, 8]

    def test_range_wholly_in_a_gap_vanishes(self) -> None:
        s = Schedule("America/New_York", {6: ["02:00-02:30"]})
        assert working_intervals(s, date(2024, 3, 10), date(2024, 3, 10)) == []


def test_no_zone_changes_offset_twice_within_two_days() -> None:
    """The assumption behind hours.uniform_offset, checked on the installed tzdata."""
    pure = pytest.importorskip("zoneinfo._zoneinfo")
    for name in sorted(available_timezones()):
        zone = pure.ZoneInfo.no_cache(name)
        moments = [t for t in zone._trans_utc if t > 0]
        gaps = [b - a for a, b in pairwise(moments)]
        assert all(gap >= 2 * 86_400 for gap in gaps), name


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        ("Europe/Berlin", date(2024, 3, 30), 3600),
        ("Europe/Berlin", date(2024, 3, 31), None),  # 02:00 -> 03:00
        ("Europe/Berlin", date(2024, 4, 1), 7200),
        ("America/Santiago", date(2024, 9, 8), None),  # midnight itself is skipped
        ("Australia/Lord_Howe", date(2024, 4, 7), None),  # back by half an hour
        ("Asia/Kolkata", date(2024, 3, 31), 19800),
    ],
)
def test_day_offset_is_the_one_offset_of_a_date_without_a_transition(
    zone: str, day: date, expected: int | None
) -> None:
    tz = ZoneInfo(zone)
    assert day_offset(tz, day) == expected
    if expected is not None:  # every wall hour of the date agrees, unambiguously
        assert {offsets_at(tz, day, hour * 3600) for hour in range(25)} == {(expected, expected)}
