"""All queries on activities, their guests and activity types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from booking.activities.records import (
    ActivityRecord,
    ActivityTypeRecord,
    Attendee,
    BusyActivity,
    SyncedActivity,
)
from booking.activities.tables import Activity, ActivityGuest, ActivityType
from booking.db import batches, run_sql, unique_as, values_list

_UNIQUE_TYPE = {"name": ("name", "An activity type with this name already exists.")}


def _type(row: dict[str, Any] | None) -> ActivityTypeRecord | None:
    return None if row is None else msgspec.convert(row, ActivityTypeRecord)


async def types() -> list[ActivityTypeRecord]:
    return msgspec.convert(
        await ActivityType.select().order_by(ActivityType.id), list[ActivityTypeRecord]
    )


async def type_by_id(type_id: int) -> ActivityTypeRecord | None:
    return _type(await ActivityType.select().where(ActivityType.id == type_id).first())


async def type_by_name(name: str) -> ActivityTypeRecord | None:
    return _type(await ActivityType.select().where(ActivityType.name == name).first())


async def insert_type(name: str, colour: str) -> int:
    with unique_as(_UNIQUE_TYPE):
        created = await ActivityType.insert(ActivityType(name=name, colour=colour)).returning(
            ActivityType.id
        )
    return int(created[0]["id"])


async def update_type(type_id: int, values: dict[Column | str, Any]) -> bool:
    with unique_as(_UNIQUE_TYPE):
        rows = (
            await ActivityType.update(values)
            .where(ActivityType.id == type_id)
            .returning(ActivityType.id)
        )
    return bool(rows)


async def type_uses(type_id: int) -> tuple[int, int]:
    """How many activities and event types use the type."""
    activities = await Activity.count().where(Activity.activity_type == type_id)
    # Raw SQL: event types are another concern's table, which imports this one's.
    rows = await ActivityType.raw(
        "SELECT count(*) AS n FROM event_type WHERE activity_type = {}", type_id
    )
    return int(activities), int(rows[0]["n"])


async def delete_type(type_id: int) -> bool:
    rows = await ActivityType.delete().where(ActivityType.id == type_id).returning(ActivityType.id)
    return bool(rows)


async def insert(row: dict[str, Any]) -> int:
    created = await Activity.insert(Activity(**row)).returning(Activity.id)
    return int(created[0]["id"])


#: The columns :func:`insert_many` writes, in its statement's order (every column but
#: the key: a raw statement gets none of piccolo's Python-side defaults).
INSERT_COLUMNS = (
    "owner",
    "activity_type",
    "title",
    "description",
    "start_at",
    "end_at",
    "all_day",
    "completed",
    "needs_attention",
    "ambiguous_guests",
    "created_at",
    "updated_at",
    "location",
    "show_as",
    "private",
    "trashed_at",
    "series_id",
    "original_start",
    "attendees",
    "organiser",
)

#: PostgreSQL types of the columns :func:`update_many` may write: a VALUES list's
#: parameters have no column to take their type from there.
_UPDATE_TYPES = {
    "title": "varchar",
    "description": "text",
    "start_at": "timestamptz",
    "end_at": "timestamptz",
    "all_day": "boolean",
    "location": "text",
    "show_as": "varchar",
    "private": "boolean",
    "attendees": "json",
}


def _postgres() -> bool:
    return str(Activity._meta.db.engine_type) != "sqlite"


async def insert_many(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert activities (each a tuple of :data:`INSERT_COLUMNS`' values) and return
    their new ids in the order of ``rows``.

    Raw SQL, one statement per 500 rows: piccolo's builder took longer to assemble one
    insert than SQLite took to run it, which made an import of thousands of events
    mostly query building. RETURNING promises no order, but the ids of one statement
    are handed out row after row in the order of its VALUES (SQLite: the next rowid;
    PostgreSQL: nextval as the VALUES scan yields each row), so the sorted ids are the
    rows' ids in order (tests/booking/activities/test_repository.py holds both
    databases to it)."""
    ids: list[int] = []
    width = len(INSERT_COLUMNS)
    for chunk in batches(rows):
        args: list[Any] = []
        for row in chunk:
            if len(row) != width:
                raise ValueError(f"an activity row has {len(row)} values, not {width}")
            args.extend(row)
        # Placeholders and the fixed column names only.
        sql = (
            f"INSERT INTO activity ({', '.join(INSERT_COLUMNS)}) VALUES "  # noqa: S608
            + values_list(len(chunk), width)
            + " RETURNING id"
        )
        made = sorted(int(r["id"]) for r in await run_sql(Activity, sql, *args))
        if len(made) != len(chunk):
            raise RuntimeError(f"{len(made)} ids for {len(chunk)} inserted activities")
        ids.extend(made)
    return ids


async def update_many(
    columns: tuple[str, ...], rows: list[tuple[Any, ...]], updated_at: datetime
) -> set[int]:
    """Set ``columns`` of many activities, each row ``(id, *values)``, in one
    statement per 500 rows; answers the ids that exist (the others are gone)."""
    unknown = set(columns) - set(_UPDATE_TYPES)
    if unknown or not columns:
        raise ValueError(f"not columns update_many writes: {sorted(unknown) or columns}")
    postgres = _postgres()
    types = ("integer", *(_UPDATE_TYPES[c] for c in columns))
    row_sql = "(" + ", ".join(f"CAST({{}} AS {t})" if postgres else "{}" for t in types) + ")"
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    found: set[int] = set()
    for chunk in batches(rows):
        args: list[Any] = []
        for row in chunk:
            if len(row) != len(types):
                raise ValueError(f"an update row has {len(row)} values, not {len(types)}")
            args.extend(row)
        # Placeholders and column names of _UPDATE_TYPES only.
        sql = (
            f"WITH v (id, {', '.join(columns)}) AS (VALUES "  # noqa: S608
            + ", ".join([row_sql] * len(chunk))
            + f") UPDATE activity SET {assignments}, updated_at = {{}}"  # noqa: S608
            " FROM v WHERE activity.id = v.id RETURNING activity.id"
        )
        found.update(int(r["id"]) for r in await run_sql(Activity, sql, *args, updated_at))
    return found


async def update(activity_id: int, values: dict[Column | str, Any]) -> None:
    await Activity.update(values).where(Activity.id == activity_id)


async def delete(activity_id: int) -> None:
    await Activity.delete().where(Activity.id == activity_id)


async def set_ambiguous(activity_id: int, emails: list[str]) -> None:
    await set_ambiguous_many({activity_id: emails})


async def set_ambiguous_many(ambiguous: Mapping[int, list[str]]) -> None:
    """Each activity's addresses that several contacts share (it needs attention while
    there are any): one UPDATE per distinct list, most often only the empty one."""
    groups: dict[str, list[int]] = {}
    for activity_id, emails in ambiguous.items():
        groups.setdefault(msgspec.json.encode(emails).decode(), []).append(activity_id)
    for encoded, ids in groups.items():
        for chunk in batches(ids):
            await Activity.update(
                {Activity.ambiguous_guests: encoded, Activity.needs_attention: encoded != "[]"}
            ).where(Activity.id.is_in(list(chunk)))


async def set_attendees(activity_id: int, attendees: list[Attendee]) -> None:
    await Activity.update({Activity.attendees: msgspec.json.encode(attendees).decode()}).where(
        Activity.id == activity_id
    )


async def add_guest(activity_id: int, contact_id: int) -> None:
    exists = await ActivityGuest.exists().where(
        (ActivityGuest.activity == activity_id) & (ActivityGuest.contact == contact_id)
    )
    if not exists:
        await ActivityGuest.insert(ActivityGuest(activity=activity_id, contact=contact_id))


async def link_booking_contact(activity_id: int, email_key: str, contact_id: int) -> None:
    """A booking of this activity whose invitee had no contact (several matched) gets
    the one the host chose. Raw SQL: bookings are a concern that imports this one."""
    rows = await Activity.raw(
        "SELECT id, invitee_email FROM booking WHERE activity = {} AND contact IS NULL",
        activity_id,
    )
    for row in rows:
        if str(row["invitee_email"]).strip().casefold() == email_key:
            await Activity.raw(
                "UPDATE booking SET contact = {} WHERE id = {}", contact_id, row["id"]
            )


async def set_guests(activity_id: int, contact_ids: list[int]) -> None:
    await set_guests_many({activity_id: contact_ids})


async def set_guests_many(guests: Mapping[int, list[int]]) -> None:
    """Make each activity's contact guests exactly these (each contact once): one DELETE
    and one multi-row INSERT per 500 rows, whatever the number of activities."""
    for chunk in batches(list(guests)):
        await run_sql(
            ActivityGuest,
            "DELETE FROM activity_guest WHERE activity IN ("  # noqa: S608
            + ", ".join(["{}"] * len(chunk))
            + ")",
            *chunk,
        )
    pairs = [(a, c) for a, ids in guests.items() for c in dict.fromkeys(ids)]
    for rows in batches(pairs):
        await run_sql(
            ActivityGuest,
            "INSERT INTO activity_guest (activity, contact) VALUES "  # noqa: S608
            + values_list(len(rows), 2),
            *(value for pair in rows for value in pair),
        )


def _select() -> Any:
    return Activity.select(
        *Activity.all_columns(),
        Activity.activity_type.name.as_alias("type_name"),
        Activity.activity_type.colour.as_alias("type_colour"),
    )


async def _records(rows: list[dict[str, Any]]) -> list[ActivityRecord]:
    guests = await _guest_emails([row["id"] for row in rows])
    for row in rows:
        row["activity_type"] = {
            "id": row["activity_type"],
            "name": row.pop("type_name"),
            "colour": row.pop("type_colour"),
        }
        row["guests"] = guests.get(row["id"], [])
        for column in ("ambiguous_guests", "attendees"):
            if isinstance(row[column], str):  # JSON comes back as text
                row[column] = msgspec.json.decode(row[column])
    return msgspec.convert(rows, list[ActivityRecord])


async def by_id(activity_id: int) -> ActivityRecord | None:
    """The activity with its type and guests (two queries, whoever owns it)."""
    row: dict[str, Any] | None = await _select().where(Activity.id == activity_id).first()
    return None if row is None else (await _records([row]))[0]


async def for_owner(
    owner_id: int,
    start: datetime | None,
    end: datetime | None,
    completed: bool | None,
    needs_attention: bool | None = None,
) -> list[ActivityRecord]:
    # Trashed activities wait for their calendar event to come back; nobody lists them.
    query = _select().where((Activity.owner == owner_id) & Activity.trashed_at.is_null())
    if needs_attention is not None:
        query = query.where(Activity.needs_attention == needs_attention)
    if start is not None:
        query = query.where(Activity.end_at > start)
    if end is not None:
        query = query.where(Activity.start_at < end)
    if completed is not None:
        query = query.where(Activity.completed == completed)
    rows: list[dict[str, Any]] = await query.order_by(Activity.start_at).limit(1000)
    return await _records(rows)


def _synced_select() -> Any:
    return Activity.select(
        Activity.id,
        Activity.owner,
        Activity.activity_type,
        Activity.title,
        Activity.description,
        Activity.start_at,
        Activity.end_at,
        Activity.all_day,
        Activity.completed,
        Activity.location,
        Activity.show_as,
        Activity.private,
        Activity.trashed_at,
        Activity.attendees,
    )


def _synced(rows: list[dict[str, Any]]) -> list[SyncedActivity]:
    for row in rows:
        if isinstance(row["attendees"], str):  # JSON comes back as text
            row["attendees"] = msgspec.json.decode(row["attendees"])
    return msgspec.convert(rows, list[SyncedActivity])


async def for_sync(
    owner_id: int, start: datetime, end: datetime, ids: list[int]
) -> list[SyncedActivity]:
    """The owner's activities starting in [start, end), and those of ``ids`` wherever
    they start; trashed ones included (the calendar sync restores them). Only the
    columns the sync compares: no type join, no contact guests (a query of its own
    that was half of a 2,000-activity load)."""
    mine = Activity.owner == owner_id
    rows: list[dict[str, Any]] = await _synced_select().where(
        mine & (Activity.start_at >= start) & (Activity.start_at < end)
    )
    found = {row["id"] for row in rows}
    rest = [i for i in dict.fromkeys(ids) if i not in found]
    for chunk in batches(rest):
        rows += await _synced_select().where(mine & Activity.id.is_in(list(chunk)))
    rows.sort(key=lambda row: row["id"])
    return _synced(rows)


async def synced(activity_id: int) -> SyncedActivity | None:
    """:func:`for_sync` of one activity, whoever owns it."""
    row: dict[str, Any] | None = await _synced_select().where(Activity.id == activity_id).first()
    return None if row is None else _synced([row])[0]


async def linked_to_record(owner_id: int, activity_id: int | None = None) -> set[int]:
    """The owner's activities (or only ``activity_id``) that have a contact guest or a
    booking."""
    query = ActivityGuest.select(ActivityGuest.activity).where(
        ActivityGuest.activity.owner == owner_id
    )
    # Raw SQL: bookings are a concern that imports this one.
    sql = (
        "SELECT DISTINCT b.activity FROM booking b JOIN activity a ON a.id = b.activity"
        " WHERE a.owner = {}"
    )
    args: list[object] = [owner_id]
    if activity_id is not None:
        query = query.where(ActivityGuest.activity == activity_id)
        sql, args = sql + " AND a.id = {}", [*args, activity_id]
    guests, booked = await query, await Activity.raw(sql, *args)
    return {int(r["activity"]) for r in guests} | {int(r["activity"]) for r in booked}


async def with_contact_guests(activity_ids: list[int]) -> set[int]:
    """Which of ``activity_ids`` have a contact among their guests."""
    out: set[int] = set()
    for chunk in batches(activity_ids):
        rows = await ActivityGuest.select(ActivityGuest.activity).where(
            ActivityGuest.activity.is_in(list(chunk))
        )
        out.update(int(r["activity"]) for r in rows)
    return out


async def guest_links_many(activity_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each activity's contact guests by their address's key (a host's earlier choice
    between contacts sharing an address is kept when the guests are written again)."""
    out: dict[int, dict[str, int]] = {}
    for chunk in batches(list(dict.fromkeys(activity_ids))):
        rows = await ActivityGuest.select(
            ActivityGuest.activity,
            ActivityGuest.contact,
            ActivityGuest.contact.email_key.as_alias("key"),
        ).where(ActivityGuest.activity.is_in(list(chunk)))
        for r in rows:
            out.setdefault(int(r["activity"]), {})[str(r["key"])] = int(r["contact"])
    return out


async def _guest_emails(activity_ids: list[int]) -> dict[int, list[str]]:
    """Guest e-mails per activity, in one query (no N+1 over a list of activities)."""
    if not activity_ids:
        return {}
    rows = await ActivityGuest.select(
        ActivityGuest.activity, ActivityGuest.contact.email.as_alias("email")
    ).where(ActivityGuest.activity.is_in(activity_ids))
    out: dict[int, list[str]] = {}
    for row in rows:
        out.setdefault(row["activity"], []).append(row["email"])
    return out


# Runs on every slots request; kept as SQL text because piccolo's builder takes longer
# to assemble the statement than SQLite takes to run it. "completed = false AND
# all_day = false AND show_as <> 'free' AND trashed_at IS NULL" is rules.blocks_time;
# tests/booking/activities/test_rules.py holds the two to the same answers on both
# engines.
_BUSY_INTERVALS = """
SELECT id, start_at, end_at FROM activity
WHERE owner = {} AND completed = {} AND all_day = {} AND show_as <> {}
AND trashed_at IS NULL AND start_at < {} AND end_at > {}
"""


async def busy_intervals(
    owner_id: int, start: datetime, end: datetime, exclude_id: int | None
) -> list[BusyActivity]:
    """The owner's activities overlapping [start, end) that block time (rules.blocks_time)."""
    sql, args = _BUSY_INTERVALS, [owner_id, False, False, "free", end, start]
    if exclude_id is not None:
        sql, args = sql + " AND id <> {}", [*args, exclude_id]
    return msgspec.convert(await Activity.raw(sql, *args), list[BusyActivity])
