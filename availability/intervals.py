"""Epoch-second helpers: the engine converts datetimes to numbers once, early.

Inside the engine every instant is a number of seconds since the Unix epoch (UTC):
``int`` for instants the engine makes itself (slot starts, working-range bounds) and
``float`` for busy-block bounds taken with :meth:`datetime.timestamp`. Mixing them is
exact: busy blocks carry at most microseconds, and a double keeps a present-day epoch
within 2.4e-7 s, so a comparison with a whole-second slot bound can never flip.

>>> from datetime import datetime, UTC
>>> to_seconds(datetime(2024, 3, 10, 7, 0, tzinfo=UTC))
1710054000
>>> from_seconds(1710054000)
datetime.datetime(2024, 3, 10, 7, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from availability.errors import InvalidInputError

__all__ = [
    "DAY",
    "EPOCH",
    "as_utc",
    "ceil_seconds",
    "from_seconds",
    "naive_day_seconds",
    "to_seconds",
]

DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def as_utc(value: datetime, name: str) -> datetime:
    """Return ``value`` in UTC; a naive datetime is refused, never guessed."""
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{name} must be timezone-aware (UTC), got naive {value!r}")
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


def to_seconds(value: datetime) -> int:
    """Whole epoch seconds of an aware datetime, rounded down."""
    delta = value - EPOCH
    return delta.days * DAY + delta.seconds


def ceil_seconds(value: datetime) -> int:
    """Whole epoch seconds of an aware datetime, rounded up."""
    return to_seconds(value) + (1 if value.microsecond else 0)


def from_seconds(seconds: int) -> datetime:
    """The aware UTC datetime for whole epoch seconds."""
    return EPOCH + timedelta(seconds=seconds)


def naive_day_seconds(day: date) -> int:
    """Seconds from the epoch to ``day`` 00:00 read as if the wall clock were UTC.

    Subtracting a UTC offset from ``naive_day_seconds(day) + seconds_of_day`` gives the
    real instant of a wall time, with integer arithmetic only.
    """
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY
