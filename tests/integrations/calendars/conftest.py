from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.sync import CalendarSync
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import Sleeps, at, environment


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    # 2030-01-01 12:00 UTC; tick=False: nothing moves unless a test moves it.
    with time_machine.travel(at(1, 12), tick=False) as traveller:
        yield traveller


@pytest.fixture
def google(frozen: time_machine.Traveller) -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as emulator:
        yield emulator


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def env(google: GoogleCalendarEmulator, sleeps: Sleeps) -> CalendarEnvironment:
    return environment(google, sleeps)


@pytest.fixture
def sync(env: CalendarEnvironment) -> CalendarSync:
    return CalendarSync(env)


@pytest.fixture
async def host(db: None) -> Host:
    return await hosts.create(
        HostCreate(email="ada@example.com", slug="ada", time_zone="UTC", name="Ada")
    )
