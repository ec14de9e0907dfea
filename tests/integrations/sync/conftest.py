"""The engine's test set-up: a host with a Google account whose primary calendar is an
in-memory linked calendar (fake_calendar.py), and the engine over the real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.hosts.schemas import Host
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository as calendars_repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.jobs.locks import LocalLocks
from integrations.sync import repository
from integrations.sync.engine import RunOptions, SyncEngine
from integrations.sync.items import EventFields
from integrations.sync.records import RunRecord
from integrations.vault import TokenVault, generate_key
from tests.hosts import free_around_the_clock
from tests.integrations.sync.fake_calendar import FakeCalendar

NOW = datetime.now(UTC).replace(microsecond=0)


def fields(day: int = 2, title: str = "Call", **changes: object) -> EventFields:
    start = (NOW + timedelta(days=day)).replace(minute=0, second=0)
    base = EventFields(title=title, start=start, end=start + timedelta(hours=1))
    return msgspec.structs.replace(base, **changes)


@dataclass
class Setup:
    host: Host
    account_id: int
    calendar_id: int
    calendar: FakeCalendar
    engine: SyncEngine

    async def run(self, **options: object) -> RunRecord:
        return await self.engine.run(self.account_id, RunOptions(**options))  # type: ignore[arg-type]

    async def mode(self, mode: str, **values: object) -> None:
        await repository.save_settings(self.account_id, self.host.id, {"mode": mode, **values})

    async def activities(self) -> list[activities.Activity]:
        return await activities.list_for(self.host.id)

    async def add_activity(self, the_fields: EventFields) -> int:
        created = await activities.create(
            self.host.id,
            ActivityCreate(
                title=the_fields.title,
                start=the_fields.start,
                end=the_fields.end,
                description=the_fields.description,
                location=the_fields.location,
            ),
        )
        return created.id


@pytest.fixture
def calendar() -> FakeCalendar:
    return FakeCalendar()


@pytest.fixture
async def setup(calendar: FakeCalendar) -> Setup:
    host = await free_around_the_clock("ada")
    account_id = await accounts_repository.insert(
        {
            "host": host.id,
            "provider": "google",
            "purpose": "calendar",
            "external_id": "ada@example.com",
            "external_email": "ada@example.com",
            "connected_at": NOW - timedelta(days=90),
        }
    )
    calendar_id = await calendars_repository.insert_calendar(
        {"account": account_id, "remote_id": "primary", "name": "Ada", "primary": True}
    )
    env = CalendarEnvironment(
        vault=TokenVault(generate_key()),
        public_url="http://127.0.0.1:8000",
        mail_from="Rendezvous <no-reply@example.com>",
        clock=lambda: NOW,
    )
    engine = SyncEngine(env, linked=lambda account, cal: calendar, locks=LocalLocks())
    made = Setup(host, account_id, calendar_id, calendar, engine)
    await made.mode("two_way")
    return made
