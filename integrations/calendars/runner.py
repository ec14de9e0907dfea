"""The background sync of the embedded default: polling plus push-triggered syncs.

Every ``poll_interval`` seconds every conflict calendar gets an incremental sync
(the fallback when push is off or a notification was lost; it also renews push
channels). A push notification (or a new conflict calendar) schedules its calendar
at once; notifications arriving within ``debounce`` seconds are coalesced into one
sync, since Google sends several for a single edit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from integrations.calendars import repository
from integrations.calendars.sync import CalendarSync, SyncOutcome
from integrations.jobs.loop import WakeableLoop

__all__ = ["CalendarScheduler", "CalendarSyncRunner"]

logger = logging.getLogger("rendezvous.calendars.runner")


class CalendarScheduler(Protocol):
    """Where handlers ask for syncs: this runner (embedded default) or, with Redis, the
    workers' queue (``integrations.jobs.queue.JobQueue``)."""

    def schedule(self, *calendar_ids: int) -> None: ...

    async def schedule_account(self, account_id: int) -> None: ...


class CalendarSyncRunner(WakeableLoop):
    def __init__(
        self,
        sync: CalendarSync,
        *,
        poll_interval: float = 900.0,
        debounce: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__("calendar-sync-runner", poll_interval)
        self.sync = sync
        self.poll_interval = poll_interval
        self.debounce = debounce
        self.clock = clock
        self._pending: set[int] = set()
        self._next_poll: datetime | None = None
        self._synced: dict[int, int] = {}
        self._changed = asyncio.Condition()

    # -- scheduling -------------------------------------------------------------------

    def schedule(self, *calendar_ids: int) -> None:
        """Sync these calendars soon (after the debounce)."""
        self._pending.update(calendar_ids)
        self.wake()

    async def schedule_account(self, account_id: int) -> None:
        self.schedule(*await repository.conflict_calendar_ids(account_id))

    # -- observing ----------------------------------------------------------------------

    def sync_count(self, calendar_id: int) -> int:
        """How many syncs of the calendar finished (successfully or not)."""
        return self._synced.get(calendar_id, 0)

    async def wait_synced(self, calendar_id: int, after: int) -> None:
        """Until the calendar's sync count exceeds ``after`` (tests wait on this)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.sync_count(calendar_id) > after)

    # -- running ------------------------------------------------------------------------

    async def run_pending(self) -> list[SyncOutcome]:
        pending, self._pending = sorted(self._pending), set()
        return [await self._sync(calendar_id) for calendar_id in pending]

    async def poll(self) -> list[SyncOutcome]:
        """One polling round over every conflict calendar."""
        return [await self._sync(c) for c in await repository.conflict_calendar_ids()]

    async def _sync(self, calendar_id: int) -> SyncOutcome:
        try:
            return await self.sync.sync_calendar(calendar_id)
        finally:
            self._synced[calendar_id] = self.sync_count(calendar_id) + 1
            async with self._changed:
                self._changed.notify_all()

    def busy(self) -> bool:
        return bool(self._pending)

    async def round(self) -> None:
        now = self.clock()
        if self._next_poll is None or now >= self._next_poll:
            self._next_poll = now + timedelta(seconds=self.poll_interval)
            self._pending.clear()  # the poll covers them
            await self.poll()
        if self._pending:
            if self.debounce > 0:
                # Let the burst of notifications for one edit arrive first.
                await asyncio.sleep(self.debounce)
            await self.run_pending()
