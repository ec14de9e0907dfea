"""All queries on calendars, busy blocks, push channels and the
calendars each event type checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import msgspec
from piccolo.columns import Column

from booking.db import batches, run_sql, values_list
from integrations.calendars.records import (
    BlockRecord,
    BusyBlockRecord,
    CalendarChange,
    CalendarRecord,
    ChannelRecord,
    CheckedCalendar,
)
from integrations.calendars.tables import (
    BusyBlock,
    Calendar,
    EventTypeCalendar,
    PushChannel,
)

# ---------------------------------------------------------------------------- calendars


def _calendar_select() -> Any:
    return Calendar.select(
        *Calendar.all_columns(),
        Calendar.account.provider.as_alias("provider"),
        Calendar.account.host.as_alias("host_id"),
        Calendar.account.status.as_alias("account_status"),
    )


async def calendars_of_host(host_id: int) -> list[CalendarRecord]:
    rows = (
        await _calendar_select()
        .where(Calendar.account.host == host_id)
        .order_by(Calendar.account)
        .order_by(Calendar.primary, ascending=False)
        .order_by(Calendar.name)
    )
    return msgspec.convert(rows, list[CalendarRecord])


async def calendars_of_account(account_id: int) -> list[CalendarRecord]:
    rows = await _calendar_select().where(Calendar.account == account_id)
    return msgspec.convert(rows, list[CalendarRecord])


async def calendar(calendar_id: int) -> CalendarRecord | None:
    row = await _calendar_select().where(Calendar.id == calendar_id).first()
    return None if row is None else msgspec.convert(row, CalendarRecord)


async def conflict_calendar_ids(account_id: int | None = None) -> list[int]:
    """Conflict calendars whose account can still sync (of one account, or all)."""
    where = (Calendar.is_conflict == True) & (  # noqa: E712 (piccolo's column operator)
        Calendar.account.status != "reconnect_needed"
    )
    if account_id is not None:
        where &= Calendar.account == account_id
    rows = await Calendar.select(Calendar.id).where(where).order_by(Calendar.id)
    return [int(row["id"]) for row in rows]


async def insert_calendar(values: dict[str, Any]) -> int:
    created = await Calendar.insert(Calendar(**values)).returning(Calendar.id)
    return int(created[0]["id"])


async def update_calendar(calendar_id: int, change: CalendarChange) -> None:
    """Write the fields ``change`` sets; nothing if it sets none."""
    values: dict[Column | str, Any] = {
        name: value
        for name, value in msgspec.structs.asdict(change).items()
        if value is not msgspec.UNSET
    }
    if values:
        await Calendar.update(values).where(Calendar.id == calendar_id)


# ---------------------------------------------------------------------------- busy blocks

_BLOCK_COLUMNS = (
    BusyBlock.ical_uid,
    BusyBlock.etag,
    BusyBlock.start_at,
    BusyBlock.end_at,
    BusyBlock.all_day,
    BusyBlock.busy,
    BusyBlock.tentative,
    BusyBlock.private,
    BusyBlock.title,
    BusyBlock.recurring_event_id,
    BusyBlock.original_start,
    BusyBlock.sync_generation,
)


async def bump_blocks_version(calendar_id: int) -> None:
    """Call in every transaction that changes the calendar's blocks (see conflicts.py).

    Incremented in SQL, not from a value read earlier: two writers then can never
    publish different block sets under one version."""
    await Calendar.update({Calendar.blocks_version: Calendar.blocks_version + 1}).where(
        Calendar.id == calendar_id
    )


async def busy_blocks_of(calendar_id: int) -> list[BusyBlockRecord]:
    """Every busy block of the calendar (free events are stored but never block)."""
    rows = await BusyBlock.select(
        BusyBlock.start_at,
        BusyBlock.end_at,
        BusyBlock.tentative,
        BusyBlock.private,
        BusyBlock.title,
    ).where((BusyBlock.calendar == calendar_id) & (BusyBlock.busy == True))  # noqa: E712
    return msgspec.convert(rows, list[BusyBlockRecord])


async def busy_blocks_between(
    calendar_ids: Sequence[int], start: datetime, end: datetime
) -> list[BlockRecord]:
    """The busy blocks of the calendars overlapping ``[start, end)``, for showing."""
    if not calendar_ids:
        return []
    rows = (
        await BusyBlock.select()
        .where(
            BusyBlock.calendar.is_in(list(calendar_ids))
            & (BusyBlock.busy == True)  # noqa: E712 (piccolo's column operator)
            & (BusyBlock.start_at < end)
            & (BusyBlock.end_at > start)
        )
        .order_by(BusyBlock.start_at)
        .limit(2000)
    )
    return msgspec.convert(rows, list[BlockRecord])


_UPSERT_COLUMNS = ("calendar", "remote_id", *(c._meta.db_column_name for c in _BLOCK_COLUMNS))


@lru_cache(maxsize=8)
def _upsert_sql(rows: int) -> str:
    """INSERT ... ON CONFLICT DO UPDATE for ``rows`` rows, for :func:`run_sql`.

    A full sync writes thousands of rows; piccolo's insert built a Table instance per row
    and converted every value twice, which took longer than SQLite took to store them.
    """
    names = ", ".join(f'"{name}"' for name in _UPSERT_COLUMNS)
    updates = ", ".join(
        f'"{c._meta.db_column_name}" = excluded."{c._meta.db_column_name}"' for c in _BLOCK_COLUMNS
    )
    # Only our own column names and placeholders go into the text; values are bound.
    return (
        f'INSERT INTO "busy_block" ({names}) VALUES '  # noqa: S608
        + values_list(rows, len(_UPSERT_COLUMNS))
        + f' ON CONFLICT ("calendar", "remote_id") DO UPDATE SET {updates}'
    )


async def upsert_blocks(rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update by (calendar, remote_id): repeating a batch is harmless.

    Each row has a value for every column of ``_UPSERT_COLUMNS``."""
    # One statement per ROWS_PER_STATEMENT rows: 14 columns x 500 stays far below
    # SQLite's and PostgreSQL's bound-parameter limits (32766 / 32767).
    for chunk in batches(rows):
        args = [row[name] for row in chunk for name in _UPSERT_COLUMNS]
        await run_sql(BusyBlock, _upsert_sql(len(chunk)), *args)


async def delete_blocks(calendar_id: int, remote_ids: Sequence[str]) -> None:
    for chunk in batches(remote_ids):
        await BusyBlock.delete().where(
            (BusyBlock.calendar == calendar_id) & BusyBlock.remote_id.is_in(list(chunk))
        )


async def delete_blocks_not_of(calendar_id: int, generation: int) -> None:
    await BusyBlock.delete().where(
        (BusyBlock.calendar == calendar_id) & (BusyBlock.sync_generation != generation)
    )


async def clear_blocks(calendar_id: int) -> None:
    await BusyBlock.delete().where(BusyBlock.calendar == calendar_id)


async def blocks_of(calendar_id: int) -> list[BlockRecord]:
    rows = (
        await BusyBlock.select()
        .where(BusyBlock.calendar == calendar_id)
        .order_by(BusyBlock.start_at)
        .order_by(BusyBlock.remote_id)
    )
    return msgspec.convert(rows, list[BlockRecord])


# ---------------------------------------------------------------------------- push channels


async def insert_channel(values: dict[str, Any]) -> None:
    await PushChannel.insert(PushChannel(**values))


async def channels_of(calendar_id: int) -> list[ChannelRecord]:
    rows = await PushChannel.select().where(PushChannel.calendar == calendar_id)
    return msgspec.convert(rows, list[ChannelRecord])


async def channel(channel_id: str) -> ChannelRecord | None:
    row = await PushChannel.select().where(PushChannel.channel_id == channel_id).first()
    return None if row is None else msgspec.convert(row, ChannelRecord)


async def delete_channel(row_id: int) -> None:
    await PushChannel.delete().where(PushChannel.id == row_id)


# ---------------------------------------------------------------------------- event types


# Runs on every slots request; kept as SQL text because piccolo's builder took longer
# to assemble it (the join through the account) than SQLite takes to run it.
_CHECKED_CALENDARS = """
SELECT calendar.id, calendar.name, calendar.remote_id, calendar.tentative_blocks,
       calendar.blocks_version, calendar.last_synced_at, connected_account.provider
FROM calendar
JOIN connected_account ON connected_account.id = calendar.account
WHERE connected_account.host = {} AND calendar.is_conflict = {}
  AND (NOT EXISTS (SELECT 1 FROM event_type_calendar WHERE event_type = {})
       OR calendar.id IN (SELECT calendar FROM event_type_calendar WHERE event_type = {}))
"""


async def checked_calendars(host_id: int, event_type_id: int) -> list[CheckedCalendar]:
    """The conflict calendars an event type checks: those chosen for it, or all of the
    host's when none are."""
    rows = await Calendar.raw(_CHECKED_CALENDARS, host_id, True, event_type_id, event_type_id)
    return msgspec.convert(rows, list[CheckedCalendar])


async def selected_calendar_ids(event_type_id: int) -> list[int]:
    rows = (
        await EventTypeCalendar.select(EventTypeCalendar.calendar)
        .where(EventTypeCalendar.event_type == event_type_id)
        .order_by(EventTypeCalendar.calendar)
    )
    return [int(row["calendar"]) for row in rows]


async def replace_selection(event_type_id: int, calendar_ids: Sequence[int]) -> None:
    await EventTypeCalendar.delete().where(EventTypeCalendar.event_type == event_type_id)
    if calendar_ids:
        await EventTypeCalendar.insert(
            *(EventTypeCalendar(event_type=event_type_id, calendar=c) for c in calendar_ids)
        )
