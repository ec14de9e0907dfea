"""The date rules every date or time a client sends must pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.errors import InvalidInput
from booking.validation import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_DAYS_AHEAD,
    in_years,
    within_reach,
)


@pytest.mark.parametrize(
    "value",
    [
        date(1900, 1, 1),
        date(2200, 12, 31),
        datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(2200, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12))),
    ],
)
def test_the_first_and_last_supported_days_pass(value: date) -> None:
    assert in_years(value, "start") is value


@pytest.mark.parametrize(
    "value",
    [date(1, 1, 1), date(1899, 12, 31), date(2201, 1, 1), datetime(9999, 12, 31, tzinfo=UTC)],
)
def test_other_years_are_refused_naming_the_field(value: date) -> None:
    with pytest.raises(InvalidInput) as refused:
        in_years(value, "horizon_end")
    assert refused.value.field == "horizon_end"
    assert refused.value.detail == "horizon_end: must fall in the years 1900 to 2200."


@given(
    value=st.datetimes(
        min_value=datetime(EARLIEST_YEAR, 1, 1),
        max_value=datetime(LATEST_YEAR, 12, 31, 23, 59),
        timezones=st.timezones(),
    ),
    days=st.integers(min_value=-MAX_DAYS_AHEAD, max_value=MAX_DAYS_AHEAD + 62),
)
def test_a_supported_instant_survives_a_zone_and_the_longest_reach(
    value: datetime, days: int
) -> None:
    # What the services do with a checked value must not overflow (it did at 9999).
    in_years(value, "start")
    shifted = value.astimezone(UTC) + timedelta(days=days)
    assert abs(shifted.year - value.year) <= 4


def test_slots_and_bookings_reach_three_years_ahead() -> None:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    last = now + timedelta(days=MAX_DAYS_AHEAD)
    assert last.date() == date(2029, 3, 2), "three years, the leap day of 2028 included"
    assert within_reach(last, now, "start") is last
    assert within_reach(now.date(), now.date(), "start") == now.date()
    with pytest.raises(InvalidInput) as refused:
        within_reach(last + timedelta(seconds=1), now, "start")
    assert refused.value.detail == f"start: must be at most {MAX_DAYS_AHEAD} days ahead."
    with pytest.raises(InvalidInput):
        within_reach(date(2029, 3, 3), now.date(), "start")
