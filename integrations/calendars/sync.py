"""The sync engine for conflict calendars: provider changes -> busy-block store.

Per calendar: a full sync (every event of the window, recurring events expanded),
then incremental syncs from the saved sync token. The sync token and the blocks
advance in ONE transaction, after the whole batch was fetched and planned: a crash
or an error before the commit leaves the old token, so the next run fetches the
same changes again, and the (calendar, remote_id) upsert makes that harmless.

One sync per account at a time, across that account's calendars (token refreshes
and the provider's per-user quota are per account), in every process: the lock is
handed in (``integrations.jobs.locks``: Redis with a lease, or the database's).

Provider calls are synchronous (googleapiclient), so each runs in a worker thread;
the event loop is never blocked by the network.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from booking.db import write_transaction
from integrations.accounts import repository as accounts_repository
from integrations.accounts import service as accounts
from integrations.accounts.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    SyncStateExpired,
    Unavailable,
)
from integrations.accounts.records import Account
from integrations.calendars import push, repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.planner import Plan, plan
from integrations.calendars.provider import (
    POLLED_ONLY,
    CalendarProvider,
    RemoteEvent,
    SyncWindow,
)
from integrations.calendars.records import CalendarChange, CalendarRecord
from integrations.jobs.locks import AccountLocks, LocalLocks
from integrations.vault import VaultError

__all__ = ["CalendarSync", "SyncOutcome"]

logger = logging.getLogger("rendezvous.calendars.sync")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    calendar_id: int
    ok: bool
    full: bool = False
    written: int = 0
    deleted: int = 0
    error: str = ""


#: Begins the calendar's ``last_error`` after a sync that succeeded but skipped events.
SKIPPED_NOTE = "Synced, but "


def _unreadable_note(remote_ids: list[str]) -> str:
    """What the host sees of events that could not be read (an ICS event that ends
    before it starts, a time that is no time): they block nothing, and say so."""
    if not remote_ids:
        return ""
    shown = ", ".join(remote_ids[:3]) + (
        f" and {len(remote_ids) - 3} more" if len(remote_ids) > 3 else ""
    )
    return (
        f"{SKIPPED_NOTE}{len(remote_ids)} event(s) could not be read and block nothing "
        f"(malformed times or an end before the start): {shown}"
    )[:2000]


class CalendarSync:
    """Syncs calendars; one instance per process.

    ``on_queued`` is called after a commit that queued outbox work (the reconnect
    e-mail), so the outbox runner can deliver it without waiting for its next poll.
    ``locks`` keep two syncs of one account apart (default: within this process only).
    """

    def __init__(
        self,
        env: CalendarEnvironment,
        *,
        on_queued: Callable[[], None] | None = None,
        locks: AccountLocks | None = None,
    ) -> None:
        self.env = env
        self._on_queued = on_queued
        self._locks: AccountLocks = locks or LocalLocks()

    def lock(self, account_id: int) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(account_id)

    # -- entry points ---------------------------------------------------------------

    async def sync_account(self, account_id: int) -> list[SyncOutcome]:
        return [
            await self.sync_calendar(calendar_id)
            for calendar_id in await repository.conflict_calendar_ids(account_id)
        ]

    async def sync_calendar(self, calendar_id: int) -> SyncOutcome:
        calendar = await repository.calendar(calendar_id)
        if calendar is None:
            return SyncOutcome(calendar_id, ok=False, error="calendar deleted")
        async with self.lock(calendar.account_id):
            account = await accounts_repository.get(calendar.account_id)
            # Re-read under the lock: a sync that held it may have changed both.
            calendar = await repository.calendar(calendar_id)
            if account is None or calendar is None:
                return SyncOutcome(calendar_id, ok=False, error="calendar deleted")
            if account.status == "reconnect_needed" or not calendar.is_conflict:
                return SyncOutcome(calendar_id, ok=False, error="not synced")
            try:
                provider = self.provider(account)
                outcome = await self._sync(provider, account, calendar)
                if self.env.push and provider.name not in POLLED_ONLY:
                    await push.ensure_channel(self.env, provider, calendar, self.env.clock())
            except AuthExpired as exc:
                await self._reconnect_needed(account, exc)
                return SyncOutcome(calendar_id, ok=False, error=exc.detail)
            except (ProviderError, VaultError) as exc:
                return await self._failed(account, calendar, exc)
            await accounts.record_success(account, self.env.clock())
            return outcome

    def provider(self, account: Account) -> CalendarProvider:
        """The account's adapter; refreshed credentials are stored encrypted at once,
        under the account's lock, before the adapter sends its next request."""
        return self.env.provider(account)

    # -- one calendar -----------------------------------------------------------------

    async def _sync(
        self, provider: CalendarProvider, account: Account, calendar: CalendarRecord
    ) -> SyncOutcome:
        now = self.env.clock()
        window = self.env.window(now)
        token: str | None = calendar.sync_token
        stored_end: datetime | None = calendar.full_sync_window_end
        if stored_end is None or window.end - stored_end > self.env.window_slack:
            token = None
        try:
            events, next_token = await self._fetch(provider, calendar.remote_id, token, window)
        except SyncStateExpired:
            # Google 410 fullSyncRequired: start over; the generation swap below
            # replaces the calendar's blocks without duplicates or gaps.
            token = None
            events, next_token = await self._fetch(provider, calendar.remote_id, None, window)
        full = token is None
        host_zone = account.host_time_zone
        changes = plan(events, lambda e: provider.facts(e, host_zone=host_zone), window, full=full)
        if changes.unreadable:
            logger.warning(
                "calendar %s: skipped unreadable events %s", calendar.id, changes.unreadable
            )
        note = _unreadable_note(changes.unreadable)
        if not events and calendar.last_error.startswith(SKIPPED_NOTE):
            note = calendar.last_error  # an idle round: the skipped events still are
        await self._commit(calendar, changes, next_token, window if full else None, now, note)
        return SyncOutcome(
            calendar.id,
            ok=True,
            full=full,
            written=len(changes.writes),
            deleted=len(changes.deletions),
        )

    async def _fetch(
        self, provider: CalendarProvider, remote_id: str, token: str | None, window: SyncWindow
    ) -> tuple[list[RemoteEvent], str]:
        events: list[RemoteEvent] = []
        page: str | None = None
        while True:
            answer = await self.call(
                provider.changes, remote_id, sync_state=token, window=window, page=page
            )
            events.extend(answer.events)
            if answer.next_page is None:
                if answer.sync_state is None:
                    raise ProviderError("the provider ended a sync without a sync state")
                return events, answer.sync_state
            page = answer.next_page

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A provider call in a worker thread, with the bounded retries."""
        return await self.env.retry.run(lambda: asyncio.to_thread(function, *args, **kwargs))

    async def _commit(
        self,
        calendar: CalendarRecord,
        changes: Plan,
        token: str,
        full_window: SyncWindow | None,
        now: datetime,
        note: str = "",
    ) -> None:
        calendar_id = calendar.id
        generation = calendar.sync_generation + (1 if full_window else 0)
        rows = [
            {
                "calendar": calendar_id,
                "remote_id": change.event.remote_id,
                "ical_uid": change.event.ical_uid,
                "etag": change.event.etag,
                "start_at": change.facts.start,
                "end_at": change.facts.end,
                "all_day": change.facts.all_day,
                "busy": change.facts.busy,
                "tentative": change.facts.tentative,
                "private": change.facts.private,
                # Private events keep no details at all (DESIGN.md).
                "title": None if change.facts.private else change.facts.title,
                "recurring_event_id": change.event.recurring_event_id,
                "original_start": change.event.original_start,
                "sync_generation": generation,
            }
            for change in changes.writes
        ]
        change = CalendarChange(
            sync_token=token, last_synced_at=now, last_error=note, sync_generation=generation
        )
        if full_window is not None:
            change = msgspec.structs.replace(
                change,
                full_sync_window_start=full_window.start,
                full_sync_window_end=full_window.end,
            )
        async with write_transaction():
            await repository.upsert_blocks(rows)
            if full_window is not None:
                await repository.delete_blocks_not_of(calendar_id, generation)
            else:
                await repository.delete_blocks(calendar_id, changes.deletions)
            await repository.update_calendar(calendar_id, change)
            await repository.bump_blocks_version(calendar_id)

    # -- failures -----------------------------------------------------------------------

    async def _reconnect_needed(self, account: Account, exc: AuthExpired) -> None:
        logger.warning("calendar account %s needs reconnecting: %s", account.id, exc)
        message = "Access was revoked or has expired: reconnect the account."
        if account.provider == "caldav":
            # No consent screen to send the host through: the server refused the app
            # password, and the host must make a new one and connect again.
            message = f"The CalDAV server refused the app password ({exc.detail})."
        first = await accounts.reconnect_needed(
            account,
            message,
            self.env.clock(),
            self.env,
        )
        if first and self._on_queued is not None:
            self._on_queued()

    async def _failed(
        self, account: Account, calendar: CalendarRecord, exc: Exception
    ) -> SyncOutcome:
        detail = getattr(exc, "detail", str(exc))
        logger.warning("calendar %s sync failed: %s", calendar.id, detail)
        await repository.update_calendar(calendar.id, CalendarChange(last_error=detail[:2000]))
        if not isinstance(exc, RateLimited | Unavailable):
            # Not a passing outage: the account as a whole needs the host's eyes.
            await accounts.record_error(account, detail)
        return SyncOutcome(calendar.id, ok=False, error=detail)
