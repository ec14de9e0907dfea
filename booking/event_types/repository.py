"""All queries on event types (and the lookups their rules need)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import msgspec
from piccolo.columns import Column

from booking.activities.tables import ActivityType
from booking.bookings.tables import Booking
from booking.db import unique_as
from booking.errors import Conflict
from booking.event_types.records import (
    BookableRecord,
    EventTypeRecord,
    HoursRecord,
    PageHostRecord,
)
from booking.event_types.tables import EventType

# The unique index is named event_type_host_slug (migration 0004); SQLite names the
# columns instead: "UNIQUE constraint failed: event_type.host, event_type.slug".
_UNIQUE = {
    "event_type_host_slug": ("slug", "You already have an event type with this slug."),
    "event_type.slug": ("slug", "You already have an event type with this slug."),
}
HAS_BOOKINGS = "This event type has bookings; hide it instead."


def _is_foreign_key_violation(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc)


@contextmanager
def _bookings_refuse_delete() -> Iterator[None]:
    """Turn the foreign-key refusal of bookings (ON DELETE RESTRICT) into a Conflict."""
    try:
        yield
    except Exception as exc:
        if not _is_foreign_key_violation(exc):
            raise
        raise Conflict(HAS_BOOKINGS) from exc


def _select() -> Any:
    # The host's slug comes along because every answer carries the booking URL.
    return EventType.select(*EventType.all_columns(), EventType.host.slug.as_alias("host_slug"))


async def insert(row: dict[str, Any]) -> int:
    with unique_as(_UNIQUE):
        created = await EventType.insert(EventType(**row)).returning(EventType.id)
    return int(created[0]["id"])


async def by_id(host_id: int, event_type_id: int) -> EventTypeRecord | None:
    """The event type if it belongs to ``host_id`` (another host's is as good as missing)."""
    row: dict[str, Any] | None = (
        await _select().where((EventType.id == event_type_id) & (EventType.host == host_id)).first()
    )
    return None if row is None else msgspec.convert(row, EventTypeRecord)


# Every public page and every slots request opens with this row, so it is one statement
# kept as SQL text: piccolo's builder took longer to assemble this join (~0.5 ms, mostly
# foreign-key attribute resolution) than SQLite takes to run it. Besides the host it
# brings the working hours the event type is booked against: its own schedule, else the
# host's default (the earliest, as schedules.repository.default_for picks).
_PUBLIC_BY_SLUGS = """
SELECT event_type.*,
       host.slug AS host_slug, host.email AS host_email, host.name AS host_name,
       host.time_zone AS host_time_zone, host.created_at AS host_created_at,
       schedule.time_zone AS hours_time_zone, schedule.weekly AS hours_weekly,
       schedule.overrides AS hours_overrides
FROM event_type
JOIN host ON host.id = event_type.host
LEFT JOIN schedule ON schedule.id = COALESCE(
    (SELECT own.id FROM schedule AS own
     WHERE own.id = event_type.schedule AND own.host = event_type.host),
    (SELECT fallback.id FROM schedule AS fallback
     WHERE fallback.host = event_type.host AND fallback.is_default = {}
     ORDER BY fallback.id LIMIT 1)
)
WHERE host.slug = {} AND event_type.slug = {}
"""


def _json(value: Any) -> Any:
    # JSON arrives as text from both engines.
    return json.loads(value) if isinstance(value, str) else value


async def public_by_slugs(host_slug: str, slug: str) -> BookableRecord | None:
    """The event type at ``/{host_slug}/{slug}`` with its host and its working hours."""
    rows = await EventType.raw(_PUBLIC_BY_SLUGS, True, host_slug, slug)
    if not rows:
        return None
    row: dict[str, Any] = rows[0]
    host = PageHostRecord(
        id=row["host"],
        email=row.pop("host_email"),
        name=row.pop("host_name"),
        slug=row["host_slug"],
        time_zone=row.pop("host_time_zone"),
        created_at=row.pop("host_created_at"),
    )
    hours = {key: row.pop(f"hours_{key}") for key in ("time_zone", "weekly", "overrides")}
    return BookableRecord(
        event_type=msgspec.convert(row, EventTypeRecord),
        host=host,
        hours=None
        if hours["time_zone"] is None
        else HoursRecord(
            time_zone=hours["time_zone"],
            weekly=_json(hours["weekly"]),
            overrides=_json(hours["overrides"]),
        ),
    )


async def for_host(host_id: int, *, include_hidden: bool = True) -> list[EventTypeRecord]:
    query = _select().where(EventType.host == host_id)
    if not include_hidden:
        query = query.where(EventType.hidden == False)  # noqa: E712
    rows = await query.order_by(EventType.title).order_by(EventType.id)
    return msgspec.convert(rows, list[EventTypeRecord])


async def update(host_id: int, event_type_id: int, values: dict[Column | str, Any]) -> bool:
    with unique_as(_UNIQUE):
        rows = (
            await EventType.update(values)
            .where((EventType.id == event_type_id) & (EventType.host == host_id))
            .returning(EventType.id)
        )
    return bool(rows)


async def has_bookings(event_type_id: int) -> bool:
    return bool(await Booking.exists().where(Booking.event_type == event_type_id))


async def delete(host_id: int, event_type_id: int) -> bool:
    """Delete an event type; :class:`Conflict` if bookings still point at it.

    Bookings reference event types ON DELETE RESTRICT (foreign keys are enforced on
    SQLite too: piccolo turns them on per connection); the service checks first, this
    covers a booking made between that check and the delete.
    """
    with _bookings_refuse_delete():
        rows = (
            await EventType.delete()
            .where((EventType.id == event_type_id) & (EventType.host == host_id))
            .returning(EventType.id)
        )
    return bool(rows)


async def activity_type_exists(activity_type_id: int) -> bool:
    return bool(await ActivityType.exists().where(ActivityType.id == activity_type_id))


async def activity_type_id_by_name(name: str) -> int | None:
    row = await ActivityType.select(ActivityType.id).where(ActivityType.name == name).first()
    return None if row is None else int(row["id"])
