"""When automatic runs are due: the interval, and the time-of-day range in the host's
zone (also across midnight)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from integrations.sync.records import SettingsRecord
from integrations.sync.schedule import due, in_active_hours

ON = SettingsRecord(account_id=1, host_id=1, mode="two_way", every_minutes=15)
# 08:00 UTC is 09:00 in Berlin (winter).
MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_off_or_manual_only_is_never_due() -> None:
    assert not due(msgspec.structs.replace(ON, mode="off"), None, MORNING, "UTC")
    assert not due(msgspec.structs.replace(ON, auto=False), None, MORNING, "UTC")


def test_due_every_n_minutes() -> None:
    assert due(ON, None, MORNING, "UTC")
    assert not due(ON, MORNING - timedelta(minutes=14), MORNING, "UTC")
    assert due(ON, MORNING - timedelta(minutes=15), MORNING, "UTC")


@pytest.mark.parametrize(
    ("start", "end", "utc_hour", "expected"),
    [
        ("09:00", "17:00", 8, True),  # 09:00 Berlin
        ("09:00", "17:00", 7, False),  # 08:00 Berlin
        ("09:00", "17:00", 16, False),  # 17:00 Berlin: the end is not inside
        ("22:00", "06:00", 22, True),  # 23:00 Berlin, over midnight
        ("22:00", "06:00", 4, True),  # 05:00 Berlin
        ("22:00", "06:00", 12, False),
    ],
)
def test_the_time_of_day_range_is_the_hosts(
    start: str, end: str, utc_hour: int, expected: bool
) -> None:
    settings = msgspec.structs.replace(ON, active_from=start, active_until=end)
    moment = MORNING.replace(hour=utc_hour)
    assert in_active_hours(settings, moment, "Europe/Berlin") is expected
    assert due(settings, None, moment, "Europe/Berlin") is expected
