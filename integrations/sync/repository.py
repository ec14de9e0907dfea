"""All queries on the sync tables. Callers open the transactions (engine.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import msgspec
from piccolo.columns import Column
from piccolo.query.functions.aggregate import Max

from booking.db import batches, run_sql, values_list
from integrations.calendars.tables import Calendar
from integrations.sync.items import CalendarItem
from integrations.sync.records import RunRecord, SettingsRecord
from integrations.sync.status import StatusRow
from integrations.sync.tables import SyncLink, SyncMirror, SyncRun, SyncSettings

_JSON_SETTINGS = (
    "push_types",
    "barred",
    "excluded_activities",
    "excluded_events",
    "refused",
)


def _settings(row: dict[str, Any]) -> SettingsRecord:
    row = dict(row)
    row["account_id"] = row.pop("account")
    row["host_id"] = row.pop("host")
    row["calendar_id"] = row.pop("calendar")
    for name in _JSON_SETTINGS:
        if isinstance(row.get(name), str):
            row[name] = msgspec.json.decode(row[name])
    return msgspec.convert(row, SettingsRecord, strict=False)


async def settings(account_id: int) -> SettingsRecord | None:
    row = await SyncSettings.select().where(SyncSettings.account == account_id).first()
    return None if row is None else _settings(row)


async def settings_of_host(host_id: int) -> list[SettingsRecord]:
    rows = await SyncSettings.select().where(SyncSettings.host == host_id)
    return [_settings(r) for r in rows]


async def active_settings() -> list[SettingsRecord]:
    """Every account whose sync is on (for the automatic runs)."""
    rows = await SyncSettings.select().where(SyncSettings.mode != "off")
    return [_settings(r) for r in rows]


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name in _JSON_SETTINGS:
        if name in out and out[name] is not None:
            out[name] = msgspec.json.encode(out[name]).decode()
    return out


async def save_settings(account_id: int, host_id: int, values: dict[str, Any]) -> None:
    """Insert or update the account's row with ``values`` (column name -> value)."""
    encoded = _encode(values)
    exists = await SyncSettings.exists().where(SyncSettings.account == account_id)
    if exists:
        if encoded:
            await SyncSettings.update(cast("dict[Column | str, Any]", encoded)).where(
                SyncSettings.account == account_id
            )
        return
    await SyncSettings.insert(SyncSettings(account=account_id, host=host_id, **encoded))


async def turn_off_others(host_id: int, account_id: int) -> None:
    """One linked calendar per host: linking one turns the others' sync off."""
    await SyncSettings.update({SyncSettings.mode: "off"}).where(
        (SyncSettings.host == host_id) & (SyncSettings.account != account_id)
    )


# -- status rows -------------------------------------------------------------------------


def _row(row: dict[str, Any]) -> StatusRow:
    for name in ("crm_fields", "remote_fields"):
        if isinstance(row[name], str):
            row[name] = msgspec.json.decode(row[name])
    return StatusRow(
        activity_id=row["activity_id"],
        remote_id=row["remote_id"],
        remote_etag=row["remote_etag"],
        origin=row["origin"],
        crm_fields=row["crm_fields"],
        remote_fields=row["remote_fields"],
        start=row["start_at"],
        trashed=row["trashed"],
    )


async def links(calendar_id: int) -> list[StatusRow]:
    rows = await SyncLink.select().where(SyncLink.calendar == calendar_id)
    return [_row(r) for r in rows]


_LINK_INSERT = (
    "INSERT INTO sync_link (calendar, activity_id, remote_id, remote_etag, origin,"
    " crm_fields, remote_fields, start_at, trashed) VALUES "
)
_ENCODE_FIELDS = msgspec.json.Encoder()


def _replacing(rows: Iterable[StatusRow]) -> list[StatusRow]:
    """What saving ``rows`` one after the other leaves: a row replaces any earlier one
    with either of its ids (a pair is keyed by both)."""
    kept: dict[int, StatusRow] = {}
    by_remote: dict[str, int] = {}
    for row in rows:
        earlier = by_remote.pop(row.remote_id, None)
        if earlier is not None:
            del kept[earlier]
        replaced = kept.pop(row.activity_id, None)
        if replaced is not None:
            by_remote.pop(replaced.remote_id, None)
        kept[row.activity_id] = row
        by_remote[row.remote_id] = row.activity_id
    return list(kept.values())


async def save_link(calendar_id: int, row: StatusRow) -> None:
    """Insert or replace the pair's row (a pair is keyed by both of its ids)."""
    await save_links(calendar_id, [row])


async def save_links(calendar_id: int, rows: Sequence[StatusRow]) -> None:
    """:func:`save_link` for many rows, as if saved in order: a DELETE per key and one
    multi-row INSERT (per 500 rows) in SQL text, which piccolo's builder took longer to
    assemble than the database took to run."""
    # Every row's ids go, also those of a row a later one replaces (saved in turn, it
    # would have taken the rows with its ids before being replaced itself). One DELETE
    # per key, each on its own unique index: "activity_id IN (..) OR remote_id IN (..)"
    # made SQLite scan the calendar's every row (the plan keys on the calendar alone),
    # which was the larger half of saving a 1,000-event import's rows.
    for column, ids in (
        ("activity_id", list(dict.fromkeys(r.activity_id for r in rows))),
        ("remote_id", list(dict.fromkeys(r.remote_id for r in rows))),
    ):
        for chunk in batches(ids):
            await run_sql(
                SyncLink,
                f"DELETE FROM sync_link WHERE calendar = {{}} AND {column} IN ("  # noqa: S608
                + ", ".join(["{}"] * len(chunk))
                + ")",
                calendar_id,
                *chunk,
            )
    for chunk in batches(_replacing(rows)):
        args: list[Any] = []
        for r in chunk:
            args += (
                calendar_id,
                r.activity_id,
                r.remote_id,
                r.remote_etag,
                r.origin,
                _ENCODE_FIELDS.encode(r.crm_fields).decode(),
                _ENCODE_FIELDS.encode(r.remote_fields).decode(),
                r.start,
                r.trashed,
            )
        await run_sql(SyncLink, _LINK_INSERT + values_list(len(chunk), 9), *args)


async def forget_link(calendar_id: int, activity_id: int, remote_id: str) -> None:
    await SyncLink.delete().where(
        (SyncLink.calendar == calendar_id)
        & (SyncLink.activity_id == activity_id)
        & (SyncLink.remote_id == remote_id)
    )


async def forget_links(calendar_id: int, pairs: Sequence[tuple[int, str]]) -> None:
    """:func:`forget_link` for many pairs (activity id, remote id): one DELETE a batch."""
    for chunk in batches(list(dict.fromkeys(pairs))):
        await run_sql(
            SyncLink,
            "DELETE FROM sync_link WHERE calendar = {} AND ("  # noqa: S608
            + " OR ".join(["(activity_id = {} AND remote_id = {})"] * len(chunk))
            + ")",
            calendar_id,
            *(value for pair in chunk for value in pair),
        )


# -- mirror -------------------------------------------------------------------------------

_ITEM = msgspec.json.Decoder(CalendarItem)
_ENCODE = msgspec.json.Encoder()


async def mirror(calendar_id: int) -> list[CalendarItem]:
    rows = await SyncMirror.select(SyncMirror.item).where(SyncMirror.calendar == calendar_id)
    return [_ITEM.decode(r["item"]) for r in rows]


async def mirror_put(calendar_id: int, items: Sequence[CalendarItem]) -> None:
    """Insert or replace the events (by remote id; of the same id, the last counts), in
    SQL text: one upsert per 500."""
    latest = {item.remote_id: item for item in items}
    for chunk in batches(list(latest.values())):
        args: list[Any] = []
        for item in chunk:
            args += (calendar_id, item.remote_id, item.fields.start, _ENCODE.encode(item).decode())
        await run_sql(
            SyncMirror,
            "INSERT INTO sync_mirror (calendar, remote_id, start_at, item) VALUES "  # noqa: S608
            + values_list(len(chunk), 4)
            + " ON CONFLICT (calendar, remote_id)"
            " DO UPDATE SET start_at = excluded.start_at, item = excluded.item",
            *args,
        )


async def mirror_drop(calendar_id: int, remote_ids: Iterable[str]) -> None:
    for chunk in batches(list(remote_ids)):
        await SyncMirror.delete().where(
            (SyncMirror.calendar == calendar_id) & SyncMirror.remote_id.is_in(list(chunk))
        )


async def mirror_clear(calendar_id: int) -> None:
    await SyncMirror.delete().where(SyncMirror.calendar == calendar_id)


# -- runs ---------------------------------------------------------------------------------

_RUN_JSON = ("counts", "plan", "conflicts", "errors")


def _run(row: dict[str, Any]) -> RunRecord:
    row = dict(row)
    row["account_id"] = row.pop("account")
    row["host_id"] = row.pop("host")
    for name in _RUN_JSON:
        if isinstance(row[name], str):
            row[name] = msgspec.json.decode(row[name])
    return msgspec.convert(row, RunRecord, strict=False)


async def start_run(
    account_id: int, host_id: int, trigger: str, mode: str, dry_run: bool, now: datetime
) -> int:
    created = await SyncRun.insert(
        SyncRun(
            account=account_id,
            host=host_id,
            trigger=trigger,
            mode=mode,
            dry_run=dry_run,
            started_at=now,
        )
    ).returning(SyncRun.id)
    return int(created[0]["id"])


async def update_run(run_id: int, values: dict[str, Any]) -> None:
    encoded: dict[Column | str, Any] = {
        k: (msgspec.json.encode(v).decode() if k in _RUN_JSON else v) for k, v in values.items()
    }
    await SyncRun.update(encoded).where(SyncRun.id == run_id)


async def run(run_id: int) -> RunRecord | None:
    row = await SyncRun.select().where(SyncRun.id == run_id).first()
    return None if row is None else _run(row)


async def runs_of_host(
    host_id: int, *, account_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[RunRecord]:
    query = SyncRun.select().where(SyncRun.host == host_id)
    if account_id is not None:
        query = query.where(SyncRun.account == account_id)
    rows = await query.order_by(SyncRun.id, ascending=False).limit(limit).offset(offset)
    return [_run(r) for r in rows]


async def last_started(account_ids: Sequence[int]) -> dict[int, datetime]:
    """When each account's latest run started (accounts never run are missing)."""
    if not account_ids:
        return {}
    rows = (
        await SyncRun.select(SyncRun.account, Max(SyncRun.started_at, alias="started"))
        .where(SyncRun.account.is_in(list(account_ids)))
        .group_by(SyncRun.account)
    )
    out: dict[int, datetime] = {}
    for row in rows:
        started = row["started"]
        if isinstance(started, str):  # SQLite's max() loses the column's converter
            started = datetime.fromisoformat(started)
        out[int(row["account"])] = started
    return out


async def accounts_linking(calendar_ids: Sequence[int]) -> list[int]:
    """Accounts with sync on whose linked calendar is one of these (or, with no calendar
    chosen, whose primary calendar is)."""
    if not calendar_ids:
        return []
    calendars = await Calendar.select(Calendar.id, Calendar.account, Calendar.primary).where(
        Calendar.id.is_in(list(calendar_ids))
    )
    by_account: dict[int, list[dict[str, Any]]] = {}
    for row in calendars:
        by_account.setdefault(int(row["account"]), []).append(row)
    if not by_account:
        return []
    settings = await SyncSettings.select(SyncSettings.account, SyncSettings.calendar).where(
        SyncSettings.account.is_in(list(by_account)) & (SyncSettings.mode != "off")
    )
    out = set()
    for row in settings:
        for calendar in by_account[int(row["account"])]:
            chosen = row["calendar"]
            if chosen == calendar["id"] or (chosen is None and calendar["primary"]):
                out.add(int(row["account"]))
    return sorted(out)
