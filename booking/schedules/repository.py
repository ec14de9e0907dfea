"""All queries on schedules."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from piccolo.columns import Column

from booking.db import host_write_lock
from booking.schedules.records import ScheduleRecord
from booking.schedules.schemas import WEEKDAYS
from booking.schedules.tables import Schedule


def _decoded(row: dict[str, Any]) -> ScheduleRecord:
    # JSON columns come back as text from both engines (and from RETURNING, which
    # has no load_json), so decode here once for every query.
    for key in ("weekly", "overrides"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    weekly = row["weekly"]
    row["weekly"] = {day: list(weekly.get(day, [])) for day in WEEKDAYS}
    row["overrides"] = dict(sorted(row["overrides"].items()))
    return msgspec.convert(row, ScheduleRecord)


async def insert(row: dict[str, Any]) -> ScheduleRecord:
    """Insert a schedule; when ``row["is_default"]`` the host's others lose the flag.

    The host also gets this one as default when it has no default yet, so every host
    with schedules has exactly one default.
    """
    # The host's lock (SELECT ... FOR UPDATE on PostgreSQL, the write lock on SQLite):
    # under READ COMMITTED two concurrent "make default" inserts each cleared only the
    # defaults committed before them and both kept theirs (tests/web/
    # test_database_concurrency.py saw three defaults for two hosts).
    async with host_write_lock(row["host"]):
        if row["is_default"]:
            await _clear_default(row["host"])
        elif await _default_id(row["host"]) is None:
            row = {**row, "is_default": True}
        created = await Schedule.insert(Schedule(**row)).returning(*Schedule.all_columns())
    return _decoded(created[0])


async def _clear_default(host_id: int, keep: int | None = None) -> None:
    query = Schedule.update({Schedule.is_default: False}).where(
        (Schedule.host == host_id) & (Schedule.is_default == True)  # noqa: E712
    )
    if keep is not None:
        query = query.where(Schedule.id != keep)
    await query


async def _default_id(host_id: int) -> int | None:
    row = (
        await Schedule.select(Schedule.id)
        .where((Schedule.host == host_id) & (Schedule.is_default == True))  # noqa: E712
        .first()
    )
    return None if row is None else int(row["id"])


async def for_host(host_id: int) -> list[ScheduleRecord]:
    rows = (
        await Schedule.select()
        .where(Schedule.host == host_id)
        .order_by(Schedule.is_default, ascending=False)
        .order_by(Schedule.name)
        .order_by(Schedule.id)
    )
    return [_decoded(row) for row in rows]


async def by_id(host_id: int, schedule_id: int) -> ScheduleRecord | None:
    """The schedule if it belongs to ``host_id`` (another host's is as good as missing)."""
    row = (
        await Schedule.select()
        .where((Schedule.id == schedule_id) & (Schedule.host == host_id))
        .first()
    )
    return None if row is None else _decoded(row)


async def default_for(host_id: int) -> ScheduleRecord | None:
    row = (
        await Schedule.select()
        .where((Schedule.host == host_id) & (Schedule.is_default == True))  # noqa: E712
        .order_by(Schedule.id)
        .first()
    )
    return None if row is None else _decoded(row)


async def update(
    host_id: int, schedule_id: int, values: dict[Column | str, Any]
) -> ScheduleRecord | None:
    """Change a schedule; ``values["is_default"] is True`` clears the flag on the others."""
    async with host_write_lock(host_id):  # as insert(): one default per host
        if values.get("is_default") is True:
            await _clear_default(host_id, keep=schedule_id)
        rows = (
            await Schedule.update(values)
            .where((Schedule.id == schedule_id) & (Schedule.host == host_id))
            .returning(*Schedule.all_columns())
        )
    return _decoded(rows[0]) if rows else None


async def delete(host_id: int, schedule_id: int) -> bool:
    """Delete a non-default schedule; event types using it fall back to the default.

    The ``is_default = false`` condition makes the refusal hold even if the flag moved
    since the caller looked. Event types' ``schedule`` is ON DELETE SET NULL.
    """
    rows = (
        await Schedule.delete()
        .where(
            (Schedule.id == schedule_id)
            & (Schedule.host == host_id)
            & (Schedule.is_default == False)  # noqa: E712
        )
        .returning(Schedule.id)
    )
    return bool(rows)
