"""All queries on bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from booking.bookings.records import BookingRecord, BusyBooking
from booking.bookings.tables import Booking
from booking.db import unique_as

_DOUBLE_BOOKED = {
    "booking_host_start_confirmed": ("start", "This time was just booked by someone else."),
    "booking.host, booking.start_at": ("start", "This time was just booked by someone else."),
}


def _select() -> Any:
    return Booking.select(
        *Booking.all_columns(),
        Booking.event_type.title.as_alias("event_type_title"),
        Booking.event_type.slug.as_alias("event_type_slug"),
        Booking.event_type.duration_minutes.as_alias("duration_minutes"),
        Booking.host.name.as_alias("host_name"),
        Booking.host.slug.as_alias("host_slug"),
        Booking.host.email.as_alias("host_email"),
        Booking.host.time_zone.as_alias("host_time_zone"),
    ).output(load_json=True)


async def insert(row: dict[str, Any]) -> None:
    with unique_as(_DOUBLE_BOOKED):
        await Booking.insert(Booking(**row))


def _records(rows: list[dict[str, Any]]) -> list[BookingRecord]:
    for row in rows:
        row["invitee"] = {
            "name": row.pop("invitee_name"),
            "email": row.pop("invitee_email"),
            "time_zone": row.pop("invitee_time_zone"),
        }
    return msgspec.convert(rows, list[BookingRecord])


async def by_uid(uid: str) -> BookingRecord | None:
    row: dict[str, Any] | None = await _select().where(Booking.uid == uid).first()
    return None if row is None else _records([row])[0]


async def update(uid: str, values: dict[Column | str, Any]) -> None:
    with unique_as(_DOUBLE_BOOKED):
        await Booking.update(values).where(Booking.uid == uid)


# Runs on every slots request; kept as SQL text because piccolo's builder takes longer
# to assemble the statement than SQLite takes to run it. "status = 'confirmed'" is
# rules.blocks_time; tests/booking/bookings/test_rules.py holds the two to the same
# answers on both engines.
_CONFIRMED_BETWEEN = """
SELECT uid, event_type, start_at, end_at, buffer_before_minutes, buffer_after_minutes
FROM booking
WHERE host = {} AND status = 'confirmed' AND start_at < {} AND end_at > {}
"""


async def confirmed_between(
    host_id: int, start: datetime, end: datetime, *, exclude_uid: str | None = None
) -> list[BusyBooking]:
    """Confirmed bookings of a host overlapping [start, end) (callers widen the range by
    the largest buffer so bookings whose buffers reach in are included)."""
    sql, args = _CONFIRMED_BETWEEN, [host_id, end, start]
    if exclude_uid is not None:
        sql, args = sql + " AND uid <> {}", [*args, exclude_uid]
    return msgspec.convert(await Booking.raw(sql, *args), list[BusyBooking])


async def for_host(
    host_id: int,
    start: datetime | None,
    end: datetime | None,
    status: str | None,
    limit: int,
    offset: int,
    *,
    newest_first: bool = False,
) -> list[BookingRecord]:
    query = _select().where(Booking.host == host_id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    if status is not None:
        query = query.where(Booking.status == status)
    order = query.order_by(Booking.start_at, ascending=not newest_first)
    rows: list[dict[str, Any]] = await order.limit(limit).offset(offset)
    return _records(rows)
