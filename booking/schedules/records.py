"""Typed records of schedules, as the repository returns them."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["ScheduleRecord"]


class ScheduleRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``schedule``, its JSON columns decoded."""

    id: int
    host: int
    name: str
    time_zone: str
    is_default: bool
    #: All seven weekdays, Monday first (a day missing from the stored JSON is []).
    weekly: dict[str, list[str]]
    #: Sorted by date.
    overrides: dict[str, list[str]]
    created_at: datetime
