"""Rules for calendar accounts, calendars and the calendars an event type checks.
No HTTP here; the sync itself lives in :mod:`.sync`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from booking.db import write_transaction
from booking.errors import InvalidInput, NotFound
from booking.event_types import service as event_types
from integrations.calendars import push, repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.errors import ProviderError
from integrations.calendars.provider import CalendarProvider, RemoteCalendar
from integrations.calendars.schemas import (
    Calendar,
    CalendarAccount,
    CalendarUpdate,
    EventTypeCalendars,
    EventTypeCalendarsUpdate,
)
from integrations.calendars.sync import CalendarSync
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.vault import VaultError

logger = logging.getLogger("rendezvous.calendars")

# ---------------------------------------------------------------------------- accounts


def _to_account(row: dict[str, Any]) -> CalendarAccount:
    return CalendarAccount(
        id=row["id"],
        provider=row["provider"],
        email=row["external_email"],
        status=row["status"],
        status_message=row["status_message"],
        connected_at=row["connected_at"],
    )


async def list_accounts(host_id: int) -> list[CalendarAccount]:
    return [_to_account(row) for row in await repository.accounts_of(host_id)]


async def _own_account(host_id: int, account_id: int) -> dict[str, Any]:
    row = await repository.account(account_id)
    if row is None or row["host"] != host_id:
        raise NotFound("No such calendar account.")
    return row


async def connect_google(
    env: CalendarEnvironment, host_id: int, code: str, redirect_uri: str, verifier: str
) -> int:
    """Finish the consent: store the grant (encrypted) and the account's calendars.

    Connecting an account that is already connected (a reconnect) replaces its grant
    and clears its status; its calendars and their choices are kept. A new primary
    calendar starts as a conflict calendar, other calendars do not.
    """
    google = env.google
    if google is None:
        raise InvalidInput("provider", "Google is not configured on this server.")
    tokens = await asyncio.to_thread(google.exchange_code, code, redirect_uri, verifier)
    provider = GoogleCalendarProvider(google, tokens)
    remote = await env.retry.run(lambda: asyncio.to_thread(provider.list_calendars))
    primary = next((c for c in remote if c.primary), None)
    if primary is None:
        raise ProviderError("Google listed no primary calendar for this account.")
    now = env.clock()
    credentials = env.vault.encrypt(provider.tokens.to_dict())
    async with write_transaction():
        existing = await repository.account_by_email(host_id, "google", primary.remote_id)
        if existing is None:
            account_id = await repository.insert_account(
                {
                    "host": host_id,
                    "provider": "google",
                    "external_email": primary.remote_id,
                    "credentials": credentials,
                    "connected_at": now,
                }
            )
        else:
            account_id = existing["id"]
            await repository.update_account(
                account_id,
                {
                    "credentials": credentials,
                    "status": "ok",
                    "status_message": "",
                    "connected_at": now,
                    "reconnect_notified_at": None,
                },
            )
        await _store_calendars(account_id, remote)
    return account_id


async def _store_calendars(account_id: int, remote: list[RemoteCalendar]) -> None:
    known = {row["remote_id"]: row for row in await repository.calendars_of_account(account_id)}
    for calendar in remote:
        values = {"name": calendar.name, "primary": calendar.primary, "colour": calendar.colour}
        row = known.get(calendar.remote_id)
        if row is None:
            await repository.insert_calendar(
                {
                    **values,
                    "account": account_id,
                    "remote_id": calendar.remote_id,
                    "is_conflict": calendar.primary,
                }
            )
        else:
            await repository.update_calendar(row["id"], values)


async def disconnect(
    env: CalendarEnvironment, sync: CalendarSync, host_id: int, account_id: int
) -> bool:
    """Stop the account's push channels, revoke its grant, and forget it with its
    calendars and blocks. Returns whether the grant was revoked.

    The account is forgotten whatever the provider says. The grant is kept when
    another host has connected the same provider account: a Google grant belongs to
    the user and our OAuth client, not to a host, so revoking it could cut that host
    off too. When the provider cannot be reached it stays as well (logged); the user
    can remove the access in their account's third-party access settings.
    """
    account = await _own_account(host_id, account_id)
    async with sync.lock(account_id):
        provider: CalendarProvider | None
        try:
            provider = sync.provider(account)
        except (ProviderError, VaultError):
            provider = None  # channels then expire on their own
        for calendar in await repository.calendars_of_account(account_id):
            await push.stop_channels(env, provider, calendar["id"])
        revoked = False
        if await repository.grant_shared(account):
            logger.info("calendar account %s: grant shared with another host, kept", account_id)
        else:
            try:
                await asyncio.to_thread(env.revoke_grant, account)
                revoked = True
            except (ProviderError, VaultError) as exc:
                logger.warning("calendar account %s: grant not revoked: %s", account_id, exc)
        await repository.delete_account(account_id)
    return revoked


# ---------------------------------------------------------------------------- calendars


def _to_calendar(row: dict[str, Any], now: datetime, env: CalendarEnvironment) -> Calendar:
    synced = row["last_synced_at"]
    return Calendar(
        id=row["id"],
        account_id=row["account"],
        provider=row["provider"],
        remote_id=row["remote_id"],
        name=row["name"],
        primary=row["primary"],
        is_conflict=row["is_conflict"],
        tentative_blocks=row["tentative_blocks"],
        colour=row["colour"],
        last_synced_at=synced,
        # Only conflict calendars are synced, so only they can be stale.
        stale=row["is_conflict"] and (synced is None or now - synced > env.stale_after),
        last_error=row["last_error"],
    )


async def list_calendars(env: CalendarEnvironment, host_id: int) -> list[Calendar]:
    now = env.clock()
    return [_to_calendar(row, now, env) for row in await repository.calendars_of_host(host_id)]


async def _own_calendar(host_id: int, calendar_id: int) -> dict[str, Any]:
    row = await repository.calendar(calendar_id)
    if row is None or row["host_id"] != host_id:
        raise NotFound("No such calendar.")
    return row


async def update_calendar(
    env: CalendarEnvironment,
    sync: CalendarSync,
    host_id: int,
    calendar_id: int,
    data: CalendarUpdate,
    *,
    on_conflict_added: Callable[[int], None],
) -> Calendar:
    """Change a calendar's switches. A calendar that stops being a conflict calendar
    loses its blocks, sync state and push channel; one that becomes one is synced in
    full (``on_conflict_added`` schedules it)."""
    row = await _own_calendar(host_id, calendar_id)
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    added = values.get("is_conflict") is True and not row["is_conflict"]
    removed = values.get("is_conflict") is False and row["is_conflict"]
    if removed:
        account = await _own_account(host_id, row["account"])
        async with sync.lock(row["account"]):
            try:
                provider: CalendarProvider | None = sync.provider(account)
            except (ProviderError, VaultError):
                provider = None
            await push.stop_channels(env, provider, calendar_id)
            async with write_transaction():
                await repository.clear_blocks(calendar_id)
                await repository.bump_blocks_version(calendar_id)
                await repository.update_calendar(
                    calendar_id,
                    {
                        **values,
                        "sync_token": None,
                        "full_sync_window_start": None,
                        "full_sync_window_end": None,
                        "last_synced_at": None,
                        "last_error": "",
                    },
                )
    elif values:
        await repository.update_calendar(calendar_id, values)
    if added:
        on_conflict_added(calendar_id)
    return _to_calendar(await _own_calendar(host_id, calendar_id), env.clock(), env)


# ---------------------------------------------------------------------------- event types


async def event_type_calendars(host_id: int, event_type_id: int) -> EventTypeCalendars:
    await event_types.get(host_id, event_type_id)  # NotFound for another host's
    chosen = await repository.selected_calendar_ids(event_type_id)
    if chosen:
        return EventTypeCalendars(uses_default=False, calendar_ids=chosen)
    calendars = await repository.calendars_of_host(host_id)
    return EventTypeCalendars(
        uses_default=True, calendar_ids=sorted(c["id"] for c in calendars if c["is_conflict"])
    )


async def set_event_type_calendars(
    host_id: int, event_type_id: int, data: EventTypeCalendarsUpdate
) -> EventTypeCalendars:
    await event_types.get(host_id, event_type_id)
    ids = sorted(set(data.calendar_ids or []))
    if data.calendar_ids is not None and not ids:
        raise InvalidInput(
            "calendar_ids", "choose at least one calendar, or null for every conflict calendar."
        )
    conflict = {c["id"] for c in await repository.calendars_of_host(host_id) if c["is_conflict"]}
    unknown = [i for i in ids if i not in conflict]
    if unknown:
        raise InvalidInput(
            "calendar_ids", f"not conflict calendars of yours: {', '.join(map(str, unknown))}."
        )
    async with write_transaction():
        await repository.replace_selection(event_type_id, ids)
    return await event_type_calendars(host_id, event_type_id)
