"""Builds the linked-calendar sync from settings: the engine, and where runs are
scheduled (this process's runner, or with Redis the workers' queue)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from booking.hosts import service as hosts
from integrations.calendars.environment import CalendarEnvironment
from integrations.jobs.locks import AccountLocks, LocalLocks
from integrations.jobs.queue import JobQueue
from integrations.sync import repository as sync_repository
from integrations.sync.adapters import linked_calendar
from integrations.sync.engine import SyncEngine
from integrations.sync.runner import LinkedSyncRunner, LinkedSyncScheduler

__all__ = ["SyncServices", "sync_services"]


@dataclass(frozen=True)
class SyncServices:
    engine: SyncEngine
    scheduler: LinkedSyncScheduler

    async def schedule_host(self, host_id: int, trigger: str = "push") -> None:
        """Something of the host's changed in the CRM: run its linked sync soon."""
        for settings in await sync_repository.settings_of_host(host_id):
            if settings.mode != "off":
                self.scheduler.schedule_linked(settings.account_id, trigger)

    async def schedule_host_slug(self, slug: str, trigger: str = "crm") -> None:
        """A booking on the host's page made or moved an activity: push it soon."""
        await self.schedule_host((await hosts.get_by_slug(slug)).id, trigger)

    async def schedule_calendars(self, calendar_ids: tuple[int, ...]) -> None:
        """The provider told us these calendars changed: run the syncs linking them."""
        for account_id in await sync_repository.accounts_linking(calendar_ids):
            self.scheduler.schedule_linked(account_id, "push")


def sync_services(
    env: CalendarEnvironment,
    *,
    locks: AccountLocks | None,
    on_queued: Callable[[], None],
    queue: JobQueue | None = None,
    tick_seconds: float = 60.0,
    debounce: float = 2.0,
) -> SyncServices:
    engine = SyncEngine(
        env,
        linked=partial(linked_calendar, env),
        locks=locks or LocalLocks(),
        on_queued=on_queued,
    )
    scheduler: LinkedSyncScheduler
    if queue is not None:
        scheduler = queue
    else:
        scheduler = LinkedSyncRunner(engine, tick=tick_seconds, debounce=debounce)
    return SyncServices(engine, scheduler)
