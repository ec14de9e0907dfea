"""Rules for calendar accounts, calendars and the calendars an event type checks.
No HTTP here; the sync itself lives in :mod:`.sync`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

import msgspec

from booking.convert import to_schema
from booking.db import write_transaction
from booking.errors import InvalidInput, NotFound
from booking.event_types import service as event_types
from integrations.accounts import repository as accounts_repository
from integrations.accounts import service as accounts
from integrations.accounts.errors import AuthExpired, ProviderError
from integrations.accounts.oauth import Consent
from integrations.accounts.records import Account, Identity
from integrations.calendars import push, repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.provider import CalendarProvider, RemoteCalendar
from integrations.calendars.records import CalendarChange, CalendarRecord
from integrations.calendars.schemas import (
    Calendar,
    CalendarAccount,
    CalendarUpdate,
    EventTypeCalendars,
    EventTypeCalendarsUpdate,
)
from integrations.calendars.sync import CalendarSync
from integrations.net.errors import FetchError
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.oauth import READ_SCOPES, WRITE_SCOPES
from integrations.providers.ics.feed import IcsFeedProvider
from integrations.providers.microsoft import oauth as microsoft_oauth
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.vault import VaultError

logger = logging.getLogger("rendezvous.calendars")

PURPOSE = "calendar"

# ---------------------------------------------------------------------------- accounts


def _to_account(account: Account) -> CalendarAccount:
    return to_schema(
        account,
        CalendarAccount,
        email=account.external_email,
        scopes=account.scopes.split(),
        can_write=account.granted(
            microsoft_oauth.WRITE_SCOPES if account.provider == "microsoft" else WRITE_SCOPES
        ),
    )


async def list_accounts(host_id: int) -> list[CalendarAccount]:
    return [_to_account(a) for a in await accounts_repository.of_host(host_id, PURPOSE)]


async def get_account(host_id: int, account_id: int) -> CalendarAccount:
    return _to_account(await _own_account(host_id, account_id))


async def _own_account(host_id: int, account_id: int) -> Account:
    account = await accounts_repository.get(account_id)
    if account is None or account.host != host_id or account.purpose != PURPOSE:
        raise NotFound("No such calendar account.")
    return account


def begin_google_consent(env: CalendarEnvironment, redirect_uri: str) -> Consent:
    """Connecting a calendar for conflicts asks to read, nothing more."""
    google = env.google
    if google is None:
        raise InvalidInput("provider", "Google is not configured on this server.")
    return google.begin(redirect_uri, READ_SCOPES)


async def account_provider(host_id: int, account_id: int) -> str:
    """Which provider a host's calendar account is at (NotFound for another host's)."""
    return (await _own_account(host_id, account_id)).provider


def begin_microsoft_consent(env: CalendarEnvironment, redirect_uri: str) -> Consent:
    """Connecting a calendar for conflicts asks to read (``Calendars.Read``) and
    for offline access (msal adds it), nothing more."""
    if env.microsoft is None:
        raise InvalidInput("provider", "Microsoft 365 is not configured on this server.")
    return env.microsoft.begin(redirect_uri, microsoft_oauth.READ_SCOPES)


async def connect_microsoft(
    env: CalendarEnvironment,
    host_id: int,
    pending: Mapping[str, str],
    response: Mapping[str, str],
) -> int:
    """Finish Microsoft's consent: the grant (msal's token cache, encrypted) and the
    account's calendars, as :func:`connect_google` does for Google. The identity is
    msal's home account id, stable across reconnects and renamed addresses."""
    microsoft = env.microsoft
    if microsoft is None:
        raise InvalidInput("provider", "Microsoft 365 is not configured on this server.")
    tokens = await asyncio.to_thread(microsoft.finish, pending, response)
    identity = microsoft.identity(tokens)
    provider = MicrosoftCalendarProvider(microsoft, tokens)
    remote = await env.retry.run(lambda: asyncio.to_thread(provider.list_calendars))
    if not any(c.primary for c in remote):
        raise ProviderError("Microsoft listed no default calendar for this account.")
    async with write_transaction():
        account_id = await accounts.connect(
            host_id,
            "microsoft",
            PURPOSE,
            Identity(
                external_id=identity.home_account_id,
                external_email=identity.username,
                display_name=identity.username,
            ),
            credentials=env.vault.encrypt(provider.tokens.to_dict()),
            scopes=provider.tokens.scope,
            now=env.clock(),
        )
        await _store_calendars(account_id, remote)
    return account_id


async def begin_write_access(
    env: CalendarEnvironment,
    host_id: int,
    account_id: int,
    redirect_uri: str,
    *,
    microsoft_redirect_uri: str | None = None,
) -> Consent:
    """Send the host through Google's consent again to add write access, which
    one-way and two-way sync need (issue 13 turns them on through this).

    Incremental consent: Google adds the scope to the grant the host gave, and the
    callback (:func:`connect_google`) updates the same account, keeping its calendars,
    choices and busy blocks, and records the scopes granted."""
    account = await _own_account(host_id, account_id)
    if account.provider == "microsoft":
        if env.microsoft is None or microsoft_redirect_uri is None:
            raise InvalidInput("provider", "Microsoft 365 is not configured on this server.")
        # Entra adds the new scope to what the user consented to before; the
        # callback (:func:`connect_microsoft`) updates the same account.
        # msal reads the authority's OpenID configuration: off the event loop.
        return await asyncio.to_thread(
            env.microsoft.begin,
            microsoft_redirect_uri,
            microsoft_oauth.WRITE_SCOPES,
            include_granted=True,
            login_hint=account.external_email,
        )
    if account.provider != "google" or env.google is None:
        raise InvalidInput("provider", "Google is not configured on this server.")
    return env.google.begin(
        redirect_uri,
        READ_SCOPES + WRITE_SCOPES,
        include_granted=True,
        # Preselects this account in Google's chooser: more scopes for another one
        # would connect that one instead.
        login_hint=account.external_email,
    )


async def connect_google(
    env: CalendarEnvironment,
    host_id: int,
    pending: Mapping[str, str],
    response: Mapping[str, str],
) -> int:
    """Finish the consent: store the grant (encrypted) and the account's calendars.

    Connecting an account that is already connected (a reconnect, or more scopes)
    replaces its grant and clears its status; its calendars and their choices are
    kept. A new primary calendar starts as a conflict calendar, other calendars do not.
    """
    google = env.google
    if google is None:
        raise InvalidInput("provider", "Google is not configured on this server.")
    tokens = await asyncio.to_thread(google.finish, pending, response)
    provider = GoogleCalendarProvider(google, tokens)
    remote = await env.retry.run(lambda: asyncio.to_thread(provider.list_calendars))
    primary = next((c for c in remote if c.primary), None)
    if primary is None:
        raise ProviderError("Google listed no primary calendar for this account.")
    async with write_transaction():
        account_id = await accounts.connect(
            host_id,
            "google",
            PURPOSE,
            Identity(external_id=primary.remote_id, external_email=primary.remote_id),
            credentials=env.vault.encrypt(provider.tokens.to_dict()),
            scopes=provider.tokens.scope,
            now=env.clock(),
        )
        await _store_calendars(account_id, remote)
    return account_id


async def connect_ics(env: CalendarEnvironment, host_id: int, url: str, name: str = "") -> int:
    """Add an ICS feed: read it once (an address that is not a readable calendar is
    refused now, not at the first sync), store its address encrypted (a feed's
    address is its password) and its one calendar as a conflict calendar. Adding
    the same address again updates the account it made."""
    provider = env.ics_provider(url, name)
    try:
        remote = await asyncio.to_thread(provider.list_calendars)
    except ProviderError as exc:
        # Also when the feed is down for now: the address is the host's input, and
        # they are the one who can check it or try again.
        raise InvalidInput("url", exc.detail) from None
    return await store_ics(env, host_id, provider, remote, name)


async def store_ics(
    env: CalendarEnvironment,
    host_id: int,
    provider: IcsFeedProvider,
    remote: list[RemoteCalendar],
    name: str = "",
) -> int:
    """Store a feed whose calendar is already known (:func:`connect_ics` read it; the
    demo serves its own, not listening yet when it is stored)."""
    async with write_transaction():
        account_id = await accounts.connect(
            host_id,
            "ics",
            PURPOSE,
            Identity(
                external_id=provider.calendar_id,
                external_email=provider.host,
                display_name=name or remote[0].name,
            ),
            credentials=env.vault.encrypt({"url": provider.url}),
            scopes="",
            now=env.clock(),
        )
        await _store_calendars(account_id, remote)
    return account_id


async def connect_caldav(
    env: CalendarEnvironment, host_id: int, url: str, username: str, password: str
) -> int:
    """Add a CalDAV account (an app password): discover its calendars now, so that a
    wrong address or password is said at once (422), then store the credentials
    encrypted and the calendars, the first one as a conflict calendar. Connecting the
    same user on the same server again replaces the password and keeps the choices
    (a reconnect after "reconnect needed")."""
    try:
        provider = env.caldav_provider(url, username, password)
    except FetchError as exc:
        raise InvalidInput("url", exc.detail) from None
    try:
        remote = await asyncio.to_thread(provider.list_calendars)
    except AuthExpired:
        raise InvalidInput(
            "password",
            f"{provider.server} refused this user name and password. Use an app password "
            "(iCloud, Fastmail and most providers require one for CalDAV).",
        ) from None
    except ProviderError as exc:
        raise InvalidInput("url", exc.detail) from None
    if not remote:
        raise InvalidInput("url", f"the account on {provider.server} has no event calendar.")
    async with write_transaction():
        account_id = await accounts.connect(
            host_id,
            "caldav",
            PURPOSE,
            Identity(
                external_id=f"{username}|{provider.url}",
                external_email=username,
                display_name=provider.server,
            ),
            credentials=env.vault.encrypt(
                {
                    "url": provider.url,
                    "username": username,
                    "password": password,
                    # Sent at once from then on: no 401 round trip in every sync.
                    "auth_type": provider.auth_type,
                }
            ),
            scopes="",
            now=env.clock(),
        )
        await _store_calendars(account_id, remote)
    return account_id


async def _store_calendars(account_id: int, remote: list[RemoteCalendar]) -> None:
    known = {row.remote_id: row for row in await repository.calendars_of_account(account_id)}
    for calendar in remote:
        row = known.get(calendar.remote_id)
        if row is None:
            await repository.insert_calendar(
                {
                    "name": calendar.name,
                    "primary": calendar.primary,
                    "colour": calendar.colour,
                    "account": account_id,
                    "remote_id": calendar.remote_id,
                    "is_conflict": calendar.primary,
                }
            )
        else:
            await repository.update_calendar(
                row.id,
                CalendarChange(
                    name=calendar.name, primary=calendar.primary, colour=calendar.colour
                ),
            )


async def disconnect(
    env: CalendarEnvironment, sync: CalendarSync, host_id: int, account_id: int
) -> bool:
    """Stop the account's push channels, revoke its grant (unless another host holds
    it too: :func:`integrations.accounts.service.forget`), and forget it with its
    calendars and blocks. Returns whether the grant was revoked."""
    account = await _own_account(host_id, account_id)
    async with sync.lock(account_id):
        provider: CalendarProvider | None
        try:
            provider = sync.provider(account)
        except (ProviderError, VaultError):
            provider = None  # channels then expire on their own
        for calendar in await repository.calendars_of_account(account_id):
            await push.stop_channels(env, provider, calendar.id)
        return await accounts.forget(account, lambda: env.revoke_grant(account))


# ---------------------------------------------------------------------------- calendars


def _to_calendar(row: CalendarRecord, now: datetime, env: CalendarEnvironment) -> Calendar:
    synced = row.last_synced_at
    # Only conflict calendars are synced, so only they can be stale.
    stale = row.is_conflict and (synced is None or now - synced > env.stale_after)
    return to_schema(row, Calendar, stale=stale)


async def list_calendars(env: CalendarEnvironment, host_id: int) -> list[Calendar]:
    now = env.clock()
    return [_to_calendar(row, now, env) for row in await repository.calendars_of_host(host_id)]


async def _own_calendar(host_id: int, calendar_id: int) -> CalendarRecord:
    row = await repository.calendar(calendar_id)
    if row is None or row.host_id != host_id:
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
    change = CalendarChange(**msgspec.structs.asdict(data))
    added = change.is_conflict is True and not row.is_conflict
    removed = change.is_conflict is False and row.is_conflict
    if removed:
        account = await _own_account(host_id, row.account_id)
        async with sync.lock(row.account_id):
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
                    msgspec.structs.replace(
                        change,
                        sync_token=None,
                        full_sync_window_start=None,
                        full_sync_window_end=None,
                        last_synced_at=None,
                        last_error="",
                    ),
                )
    else:
        await repository.update_calendar(calendar_id, change)
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
        uses_default=True, calendar_ids=sorted(c.id for c in calendars if c.is_conflict)
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
    conflict = {c.id for c in await repository.calendars_of_host(host_id) if c.is_conflict}
    unknown = [i for i in ids if i not in conflict]
    if unknown:
        raise InvalidInput(
            "calendar_ids", f"not conflict calendars of yours: {', '.join(map(str, unknown))}."
        )
    async with write_transaction():
        await repository.replace_selection(event_type_id, ids)
    return await event_type_calendars(host_id, event_type_id)
