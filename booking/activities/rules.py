"""Which activities occupy their owner's time: the rule the busy query encodes in SQL
(repository.busy_intervals) and tests hold the query to."""

from __future__ import annotations

from typing import Protocol

__all__ = ["blocks_time"]


class _Occupancy(Protocol):
    @property
    def all_day(self) -> bool: ...

    @property
    def completed(self) -> bool: ...


def blocks_time(activity: _Occupancy) -> bool:
    """True for a timed activity not yet completed.

    All-day activities are reminders in CRMs, not meetings; a completed activity no
    longer occupies anyone.
    """
    return not activity.all_day and not activity.completed
