"""API shapes of a schedule: weekly working hours and date overrides in one zone."""

from __future__ import annotations

from typing import Annotated

import msgspec

#: Weekday keys of ``weekly``, in the order responses list them (0 = Monday, as in the engine).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_RANGES_PER_DAY = 10
MAX_OVERRIDES = 366

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/Berlin"])]
Range = Annotated[
    str,
    msgspec.Meta(
        max_length=16,
        description="Local wall-clock 'HH:MM-HH:MM'; '24:00' ends a range at midnight.",
        examples=["09:00-17:00"],
    ),
]
DayRanges = Annotated[list[Range], msgspec.Meta(max_length=MAX_RANGES_PER_DAY)]
Weekly = Annotated[
    dict[str, DayRanges],
    msgspec.Meta(
        max_length=len(WEEKDAYS),
        description="Weekday name -> ranges; a missing day or [] is a day off.",
        examples=[{"monday": ["09:00-12:00", "13:00-17:00"], "saturday": []}],
    ),
]
Overrides = Annotated[
    dict[str, DayRanges],
    msgspec.Meta(
        max_length=MAX_OVERRIDES,
        description="'YYYY-MM-DD' -> ranges replacing that date's weekly ones; [] blocks it.",
        examples=[{"2026-12-24": ["09:00-12:00"], "2026-12-25": []}],
    ),
]


class Schedule(msgspec.Struct, kw_only=True):
    id: int
    name: str
    time_zone: str
    is_default: bool
    #: Always all seven weekdays, Monday first; [] = not working.
    weekly: dict[str, list[str]]
    #: Sorted by date.
    overrides: dict[str, list[str]]


class ScheduleCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    time_zone: TimeZone
    weekly: Weekly
    overrides: Overrides = msgspec.field(default_factory=dict)
    #: True makes this the host's default schedule and clears the flag on the others.
    is_default: bool = False


class ScheduleUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """PATCH body: only the fields present are changed; weekly and overrides are replaced whole."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZone | msgspec.UnsetType = msgspec.UNSET
    weekly: Weekly | msgspec.UnsetType = msgspec.UNSET
    overrides: Overrides | msgspec.UnsetType = msgspec.UNSET
    is_default: bool | msgspec.UnsetType = msgspec.UNSET
