"""Linking a host's Google or Microsoft calendar for sync against the emulators, with
write access granted through the real consent flows (or a CalDAV account on a real
Radicale, by its app password), and the engine the app would build: for the sync
tests and benchmarks that drive real adapters."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.calendars import repository as calendars_repository
from integrations.calendars import service
from integrations.calendars.environment import CalendarEnvironment
from integrations.jobs.locks import LocalLocks
from integrations.sync import repository
from integrations.sync.adapters import linked_calendar
from integrations.sync.engine import RunOptions, SyncEngine
from integrations.sync.records import RunRecord
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.calendars.helpers import REDIRECT_URI, consent_code
from tests.integrations.calendars.helpers import connect as connect_google
from tests.integrations.providers.microsoft.helpers import connect as connect_microsoft

__all__ = ["LinkedAccount", "engine_for", "link_caldav", "link_google", "link_microsoft"]


def engine_for(env: CalendarEnvironment) -> SyncEngine:
    return SyncEngine(env, linked=lambda a, c: linked_calendar(env, a, c), locks=LocalLocks())


@dataclass
class LinkedAccount:
    host_id: int
    account_id: int
    calendar_id: int
    engine: SyncEngine

    async def run(self, **options: Any) -> RunRecord:
        return await self.engine.run(self.account_id, RunOptions(**options))

    async def settings(self, **values: Any) -> None:
        await repository.save_settings(self.account_id, self.host_id, values)


async def _linked(
    env: CalendarEnvironment, host_id: int, account_id: int, mode: str, **values: Any
) -> LinkedAccount:
    calendars = await calendars_repository.calendars_of_account(account_id)
    (primary,) = [c for c in calendars if c.primary]
    await repository.save_settings(account_id, host_id, {"mode": mode, **values})
    return LinkedAccount(host_id, account_id, primary.id, engine_for(env))


async def link_google(
    env: CalendarEnvironment,
    google: GoogleCalendarEmulator,
    host_id: int,
    *,
    mode: str = "two_way",
    earliest: datetime | None = None,
    **values: Any,
) -> LinkedAccount:
    """Connect (read), then allow writing (the second consent), then link."""
    account_id = await connect_google(env, host_id)
    consent = await service.begin_write_access(env, host_id, account_id, REDIRECT_URI)
    await service.connect_google(env, host_id, consent.pending, {"code": consent_code(consent)})
    return await _linked(env, host_id, account_id, mode, earliest=earliest, **values)


async def link_microsoft(
    env: CalendarEnvironment,
    ms: MicrosoftGraphEmulator,
    host_id: int,
    *,
    mode: str = "two_way",
    earliest: datetime | None = None,
    **values: Any,
) -> LinkedAccount:
    account_id = await connect_microsoft(env, ms, host_id)
    consent = await service.begin_write_access(
        env, host_id, account_id, REDIRECT_URI, microsoft_redirect_uri=REDIRECT_URI
    )
    answer = await asyncio.to_thread(ms.browser_sign_in, consent.url)
    await service.connect_microsoft(env, host_id, consent.pending, answer)
    return await _linked(env, host_id, account_id, mode, earliest=earliest, **values)


async def link_caldav(
    env: CalendarEnvironment,
    url: str,
    username: str,
    password: str,
    host_id: int,
    *,
    mode: str = "two_way",
    earliest: datetime | None = None,
    **values: Any,
) -> LinkedAccount:
    """Connect with the app password (``env`` must allow private URLs for a server on
    loopback); the first calendar of the home is the one linked."""
    account_id = await service.connect_caldav(env, host_id, url, username, password)
    return await _linked(env, host_id, account_id, mode, earliest=earliest, **values)
