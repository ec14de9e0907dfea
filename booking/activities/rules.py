"""Which activities occupy their owner's time: the rule the busy query encodes in SQL
(repository.busy_intervals) and tests hold the query to."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["blocks_time"]


class _Occupancy(Protocol):
    @property
    def all_day(self) -> bool: ...

    @property
    def completed(self) -> bool: ...

    @property
    def show_as(self) -> str: ...

    @property
    def trashed_at(self) -> datetime | None: ...


def blocks_time(activity: _Occupancy) -> bool:
    """True for a timed activity not yet completed, not marked free, not in the trash.

    All-day activities are reminders in CRMs, not meetings; a completed activity no
    longer occupies anyone; a free one says so (a calendar event shown as free); a
    trashed one is gone until its calendar event comes back.
    """
    return (
        not activity.all_day
        and not activity.completed
        and activity.show_as != "free"
        and activity.trashed_at is None
    )
