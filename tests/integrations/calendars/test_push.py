"""Push channels: opened per conflict calendar, renewed before expiry, stopped on
disconnect; notifications checked by channel token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from booking.errors import Forbidden, NotFound
from booking.hosts.schemas import Host
from integrations.accounts import repository as accounts
from integrations.calendars import push, repository, service
from integrations.calendars.sync import CalendarSync
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import Sleeps, connect, environment


async def test_channels_are_opened_renewed_and_stopped(
    google: GoogleCalendarEmulator,
    host: Host,
    sleeps: Sleeps,
    frozen: time_machine.Traveller,
) -> None:
    env = environment(google, sleeps, push=True)
    sync = CalendarSync(env)
    account_id = await connect(env, host.id)
    (calendar_id,) = await repository.conflict_calendar_ids(account_id)

    await sync.sync_calendar(calendar_id)
    (first,) = await repository.channels_of(calendar_id)
    assert [c["id"] for c in google.channels] == [first.channel_id]
    assert await push.verify_notification(first.channel_id, first.token) == calendar_id
    with pytest.raises(Forbidden):
        await push.verify_notification(first.channel_id, "forged")
    with pytest.raises(NotFound):
        await push.verify_notification("unknown", first.token)

    await sync.sync_calendar(calendar_id)  # far from expiry: kept
    assert [c.id for c in await repository.channels_of(calendar_id)] == [first.id]

    frozen.shift(env.channel_lifetime - env.channel_renew_before + timedelta(minutes=1))
    await sync.sync_calendar(calendar_id)
    (second,) = await repository.channels_of(calendar_id)
    assert second.channel_id != first.channel_id
    assert [c["id"] for c in google.channels] == [second.channel_id]

    await service.disconnect(env, sync, host.id, account_id)
    assert google.channels == []
    assert await accounts.get(account_id) is None
    assert await repository.blocks_of(calendar_id) == []
