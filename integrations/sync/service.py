"""The host's sync settings and run log: rules, no HTTP (web/api/sync.py and the
profile calendar settings page call these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from booking.activities import repository as activities_repository
from booking.db import write_transaction
from booking.errors import Conflict, InvalidInput, NotFound
from integrations.accounts import repository as accounts_repository
from integrations.accounts.records import Account
from integrations.calendars import repository as calendars_repository
from integrations.calendars.records import CalendarChange
from integrations.providers.google.oauth import WRITE_SCOPES as GOOGLE_WRITE_SCOPES
from integrations.providers.microsoft.oauth import WRITE_SCOPES as MICROSOFT_WRITE_SCOPES
from integrations.sync import repository
from integrations.sync.engine import save_as_defaults
from integrations.sync.records import RunRecord, SettingsRecord
from integrations.sync.schemas import SyncRun, SyncSettings, SyncSettingsUpdate

__all__ = [
    "LINKABLE",
    "can_write",
    "get_run",
    "get_settings",
    "list_runs",
    "own_account",
    "to_run",
    "update_settings",
]

#: Providers a host can link for sync; ICS feeds stay conflict-only (read-only).
LINKABLE = frozenset({"google", "microsoft", "caldav"})


def can_write(account: Account) -> bool:
    if account.provider == "caldav":
        return True  # an app password can do whatever the user can
    if account.provider == "google":
        return account.granted(GOOGLE_WRITE_SCOPES)
    if account.provider == "microsoft":
        return account.granted(MICROSOFT_WRITE_SCOPES)
    return False


async def own_account(host_id: int, account_id: int) -> Account:
    account = await accounts_repository.get(account_id)
    if account is None or account.host != host_id or account.purpose != "calendar":
        raise NotFound("No such calendar account.")
    return account


async def _view(account: Account, record: SettingsRecord) -> SyncSettings:
    meeting, appointment = await save_as_defaults()
    return SyncSettings(
        account_id=account.id,
        calendar_id=record.calendar_id,
        mode=record.mode,
        meeting_type_id=record.meeting_type or meeting,
        appointment_type_id=record.appointment_type or appointment,
        push_type_ids=record.push_types,
        only_linked=record.only_linked,
        days_back=record.days_back,
        days_ahead=record.days_ahead,
        earliest=record.earliest or account.connected_at,
        barred=record.barred,
        guests=record.guests,
        keep_calendar_body=record.keep_calendar_body,
        winner=record.winner,
        auto=record.auto,
        every_minutes=record.every_minutes,
        active_from=record.active_from,
        active_until=record.active_until,
        notify=record.notify,
        excluded_activity_ids=record.excluded_activities,
        excluded_event_ids=record.excluded_events,
        can_write=can_write(account),
    )


async def settings_record(account: Account) -> SettingsRecord:
    return await repository.settings(account.id) or SettingsRecord(
        account_id=account.id, host_id=account.host
    )


async def get_settings(host_id: int, account_id: int) -> SyncSettings:
    account = await own_account(host_id, account_id)
    return await _view(account, await settings_record(account))


async def _check_type(type_id: int | None, field: str) -> None:
    if type_id is not None and await activities_repository.type_by_id(type_id) is None:
        raise InvalidInput(field, f"no activity type with id {type_id}.")


async def update_settings(
    host_id: int, account_id: int, data: SyncSettingsUpdate, now: datetime
) -> SyncSettings:
    """Change the account's sync settings. Turning sync on checks that the account can
    be linked and write, links its calendar (which also makes it a conflict calendar:
    its events are busy time in every mode) and turns the host's other links off."""
    account = await own_account(host_id, account_id)
    current = await settings_record(account)
    values: dict[str, Any] = {}
    renames = {
        "meeting_type_id": "meeting_type",
        "appointment_type_id": "appointment_type",
        "push_type_ids": "push_types",
        "excluded_activity_ids": "excluded_activities",
        "excluded_event_ids": "excluded_events",
        "calendar_id": "calendar",
    }
    for name in SyncSettingsUpdate.__struct_fields__:
        value = getattr(data, name)
        if value is not msgspec.UNSET:
            values[renames.get(name, name)] = value
    for field in ("meeting_type_id", "appointment_type_id"):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            await _check_type(value, field)
    if data.push_type_ids not in (msgspec.UNSET, None):
        for type_id in data.push_type_ids:
            await _check_type(type_id, "push_type_ids")
        values["push_types"] = sorted(set(data.push_type_ids))
    calendar_id = current.calendar_id if data.calendar_id is msgspec.UNSET else data.calendar_id
    if calendar_id is not None:
        calendar = await calendars_repository.calendar(calendar_id)
        if calendar is None or calendar.account_id != account.id:
            raise InvalidInput("calendar_id", "not a calendar of this account.")
    mode = current.mode if data.mode is msgspec.UNSET else data.mode
    if mode != "off":
        if account.provider not in LINKABLE:
            raise InvalidInput(
                "mode",
                "an ICS feed is read-only: it can be a conflict calendar, not a linked one.",
            )
        if not can_write(account):
            raise Conflict(
                "Sync writes events to the calendar, and this account granted read access "
                f"only. Ask for write access first: POST /api/v1/calendar-accounts/{account.id}"
                "/write-access."
            )
    active_from = current.active_from if data.active_from is msgspec.UNSET else data.active_from
    active_until = current.active_until if data.active_until is msgspec.UNSET else data.active_until
    if (active_from is None) != (active_until is None):
        raise InvalidInput("active_until", "give both ends of the time-of-day range, or neither.")
    if isinstance(data.earliest, datetime) and data.earliest.tzinfo is None:
        raise InvalidInput("earliest", "must carry a time zone offset.")
    values["updated_at"] = now
    async with write_transaction():
        await repository.save_settings(account.id, account.host, values)
        if mode != "off":
            await repository.turn_off_others(account.host, account.id)
            linked = await _linked_calendar_id(account, calendar_id)
            if linked is not None:
                await calendars_repository.update_calendar(linked, CalendarChange(is_conflict=True))
    return await get_settings(host_id, account_id)


async def _linked_calendar_id(account: Account, calendar_id: int | None) -> int | None:
    if calendar_id is not None:
        return calendar_id
    calendars = await calendars_repository.calendars_of_account(account.id)
    primary = [c for c in calendars if c.primary] or calendars
    return primary[0].id if primary else None


def to_run(record: RunRecord) -> SyncRun:
    duration = None
    if record.finished_at is not None:
        duration = round((record.finished_at - record.started_at).total_seconds(), 3)
    return SyncRun(
        id=record.id,
        account_id=record.account_id,
        trigger=record.trigger,
        mode=record.mode,
        dry_run=record.dry_run,
        status=record.status,
        started_at=record.started_at,
        finished_at=record.finished_at,
        duration_seconds=duration,
        counts=record.counts,
        skipped=record.skipped,
        plan=record.plan,
        conflicts=record.conflicts,
        errors=record.errors,
        stop_reason=record.stop_reason,
        progress_done=record.progress_done,
        progress_total=record.progress_total,
    )


async def list_runs(
    host_id: int, *, account_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[SyncRun]:
    records = await repository.runs_of_host(
        host_id, account_id=account_id, limit=limit, offset=offset
    )
    return [to_run(r) for r in records]


async def get_run(host_id: int, run_id: int) -> SyncRun:
    record = await repository.run(run_id)
    if record is None or record.host_id != host_id:
        raise NotFound("No such sync run.")
    return to_run(record)
