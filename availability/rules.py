"""Event-type rules: what shape a slot has and when it may be booked.

>>> from datetime import timedelta
>>> rules = EventRules(duration=timedelta(minutes=30), buffer_after=timedelta(minutes=10))
>>> rules.step_seconds, rules.buffer_after_seconds
(1800, 600)

Every timedelta must be whole seconds; durations and steps must be positive,
buffers and notice zero or more.

* ``duration``: length of a slot (real elapsed time, also across a DST change).
* ``step``: distance between two candidate starts, default ``duration``.
* ``alignment``: ``None`` (default) lays the grid from each working range's start,
  like Cal.com and Calendly: a 09:10-12:00 range with a 30-minute step offers 09:10,
  09:40, ... A timedelta aligns to the clock instead: the grid starts at the first
  local time at or after the range start that is a multiple of ``alignment`` since
  local midnight (``alignment=15 min``, range 09:10 -> 09:15, 09:45, ...).
  Grid times are local wall times (``start + k * step`` on the clock face).
* ``buffer_before`` / ``buffer_after``: a slot ``[s, e)`` conflicts with a busy block
  ``[bs, be)`` when ``s - buffer_before < be and bs < e + buffer_after``; a block that
  ends exactly at ``s - buffer_before`` does not conflict.
* ``minimum_notice``: a slot must start at or after ``now + minimum_notice``.
* ``horizon_days``: rolling horizon; a slot's host-local start date must be at most
  ``horizon_days`` after the host-local date of ``now`` (0 = today only). The whole
  last day counts, so the horizon does not cut a day in half.
* ``horizon_range``: fixed ``(first, last)`` host-local dates, both inclusive. Both
  horizons apply when both are set.
* ``max_per_day`` / ``max_per_week``: a day (or week) that already holds that many
  existing bookings offers no slot. Days are host-local dates of the booking start;
  weeks start on Monday in the host's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from availability.errors import InvalidInputError

__all__ = ["EventRules"]


def _whole_seconds(value: timedelta, name: str, *, positive: bool) -> int:
    if not isinstance(value, timedelta):
        raise InvalidInputError(f"{name} must be a timedelta, got {type(value).__name__}")
    if value.microseconds:
        raise InvalidInputError(f"{name} must be whole seconds, got {value}")
    seconds = value.days * 86_400 + value.seconds
    if seconds < 0 or (positive and seconds == 0):
        raise InvalidInputError(f"{name} must be {'positive' if positive else '>= 0'}: {value}")
    return seconds


@dataclass(frozen=True, slots=True)
class EventRules:
    """The rules of one event type (see the module docstring for each field)."""

    duration: timedelta
    step: timedelta | None = None
    alignment: timedelta | None = None
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon_days: int | None = None
    horizon_range: tuple[date, date] | None = None
    max_per_day: int | None = None
    max_per_week: int | None = None

    def __post_init__(self) -> None:
        # Validate once here so the engine's loops can trust plain ints.
        _whole_seconds(self.duration, "duration", positive=True)
        if self.step is not None:
            _whole_seconds(self.step, "step", positive=True)
        if self.alignment is not None:
            _whole_seconds(self.alignment, "alignment", positive=True)
        _whole_seconds(self.buffer_before, "buffer_before", positive=False)
        _whole_seconds(self.buffer_after, "buffer_after", positive=False)
        _whole_seconds(self.minimum_notice, "minimum_notice", positive=False)
        for name in ("horizon_days", "max_per_day", "max_per_week"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise InvalidInputError(f"{name} must be an int >= 0 or None, got {value!r}")
        if self.horizon_range is not None:
            first, last = self.horizon_range
            if not (isinstance(first, date) and isinstance(last, date)) or first > last:
                raise InvalidInputError(f"horizon_range must be (first, last) dates: {first, last}")

    @property
    def duration_seconds(self) -> int:
        return _whole_seconds(self.duration, "duration", positive=True)

    @property
    def step_seconds(self) -> int:
        step = self.duration if self.step is None else self.step
        return _whole_seconds(step, "step", positive=True)

    @property
    def alignment_seconds(self) -> int | None:
        if self.alignment is None:
            return None
        return _whole_seconds(self.alignment, "alignment", positive=True)

    @property
    def buffer_before_seconds(self) -> int:
        return _whole_seconds(self.buffer_before, "buffer_before", positive=False)

    @property
    def buffer_after_seconds(self) -> int:
        return _whole_seconds(self.buffer_after, "buffer_after", positive=False)

    @property
    def notice_seconds(self) -> int:
        return _whole_seconds(self.minimum_notice, "minimum_notice", positive=False)

    def grid_anchor(self, range_start: int) -> int:
        """First grid time (seconds of the local day) of a range starting at ``range_start``."""
        align = self.alignment_seconds
        if align is None:
            return range_start
        return -(-range_start // align) * align

    def rolling_last(self, today: date) -> date | None:
        """Last host-local date the rolling horizon allows, given today's date."""
        if self.horizon_days is None:
            return None
        try:
            return today + timedelta(days=self.horizon_days)
        except OverflowError:
            return date.max

    def horizon_bounds(self, today: date) -> tuple[date | None, date | None]:
        """The inclusive host-local date bounds both horizons allow, given today's date."""
        first: date | None = None
        last = self.rolling_last(today)
        if self.horizon_range is not None:
            first = self.horizon_range[0]
            last = self.horizon_range[1] if last is None else min(last, self.horizon_range[1])
        return first, last
