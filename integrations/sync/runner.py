"""The background sync of linked calendars in the embedded default (no Redis): the
automatic runs when they are due, and runs asked for by a push notification or a
change in the CRM, coalesced over a short debounce. With Redis the workers do the
same through integrations/jobs (tasks.sync_linked, tasks.linked_round)."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from integrations.accounts import repository as accounts_repository
from integrations.jobs.loop import WakeableLoop
from integrations.sync import repository
from integrations.sync.engine import RunOptions, SyncEngine
from integrations.sync.schedule import due

__all__ = ["LinkedSyncRunner", "LinkedSyncScheduler", "due_accounts"]

logger = logging.getLogger("rendezvous.sync.runner")


class LinkedSyncScheduler(Protocol):
    """Where callers ask for a run soon: this runner, or the workers' queue."""

    def schedule_linked(self, account_id: int, trigger: str = "push") -> None: ...


async def due_accounts(engine: SyncEngine) -> list[int]:
    """Accounts whose automatic run is due now."""
    active = await repository.active_settings()
    ids = [s.account_id for s in active]
    # Two queries whatever the number of accounts: this runs every minute.
    started = await repository.last_started(ids)
    accounts = await accounts_repository.many(ids)
    now = engine.clock()
    out = []
    for settings in active:
        account = accounts.get(settings.account_id)
        if account is None or account.status == "reconnect_needed":
            continue
        if due(settings, started.get(settings.account_id), now, account.host_time_zone):
            out.append(settings.account_id)
    return out


class LinkedSyncRunner(WakeableLoop):
    def __init__(self, engine: SyncEngine, *, tick: float = 60.0, debounce: float = 2.0) -> None:
        super().__init__("linked-sync-runner", tick)
        self.engine = engine
        self.debounce = debounce
        self._pending: dict[int, str] = {}

    def schedule_linked(self, account_id: int, trigger: str = "push") -> None:
        self._pending.setdefault(account_id, trigger)
        self.wake()

    def busy(self) -> bool:
        return bool(self._pending)

    async def _run(self, account_id: int, trigger: str) -> None:
        try:
            await self.engine.run(account_id, RunOptions(trigger=trigger))
        except Exception:
            logger.exception("sync of account %s failed", account_id)

    async def round(self) -> None:
        if self._pending:
            if self.debounce > 0:
                # Let a burst (several notifications, several CRM writes) arrive first.
                await asyncio.sleep(self.debounce)
            pending, self._pending = self._pending, {}
            for account_id, trigger in pending.items():
                await self._run(account_id, trigger)
        for account_id in await due_accounts(self.engine):
            await self._run(account_id, "auto")
