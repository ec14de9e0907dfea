"""Least privilege: connecting a calendar for conflicts asks only to read; write
access (one-way and two-way sync) is asked by a second, incremental consent that
keeps the account and everything stored under it. Against the Google emulator,
which grants and enforces scopes as Google does."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from booking.errors import NotFound
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.accounts import repository as accounts
from integrations.accounts.errors import InsufficientScope
from integrations.calendars import repository, service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.sync import CalendarSync
from integrations.providers.google.oauth import CALENDAR_EVENTS_SCOPE, READ_SCOPES
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import REDIRECT_URI, at, connect, consent_code

PRIMARY = "ada@example.com"
EVENT = {"summary": "From the CRM", "start": {"dateTime": "2030-01-03T09:00:00Z"},
         "end": {"dateTime": "2030-01-03T10:00:00Z"}}  # fmt: skip


async def test_connecting_asks_only_to_read_and_cannot_write(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    consent = service.begin_google_consent(env, REDIRECT_URI)
    asked = parse_qs(urlsplit(consent.url).query)["scope"][0].split()
    assert sorted(asked) == sorted(READ_SCOPES)

    account_id = await connect(env, host.id)
    google.add_event(PRIMARY, summary="1:1", start=at(2, 9), end=at(2, 10))
    [outcome] = await sync.sync_account(account_id)
    assert outcome.ok, "reading, watching and listing need nothing more"
    account = await accounts.get(account_id)
    assert account is not None
    assert sorted(account.scopes.split()) == sorted(READ_SCOPES)
    [listed] = await service.list_accounts(host.id)
    assert not listed.can_write

    provider = sync.provider(account)
    with pytest.raises(InsufficientScope) as refused:
        await sync.call(provider.create_event, PRIMARY, EVENT)
    assert (refused.value.http_status, refused.value.reason) == (403, "insufficientPermissions")
    assert [e["summary"] for e in google.events(PRIMARY)] == ["1:1"]


async def test_write_access_is_added_by_a_second_consent_keeping_the_account(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    google.add_calendar("team@example.com", summary="Team")
    account_id = await connect(env, host.id)
    google.add_event(PRIMARY, summary="1:1", start=at(2, 9), end=at(2, 10))
    await sync.sync_account(account_id)
    calendars_before = await repository.calendars_of_account(account_id)
    [primary] = [c for c in calendars_before if c.primary]
    await service.update_calendar(
        env, sync, host.id, primary.id,
        service.CalendarUpdate(tentative_blocks=False), on_conflict_added=lambda _id: None,
    )  # fmt: skip
    blocks_before = await repository.blocks_of(primary.id)
    before = await accounts.get(account_id)
    assert before is not None

    consent = await service.begin_write_access(env, host.id, account_id, REDIRECT_URI)
    query = parse_qs(urlsplit(consent.url).query)
    assert query["include_granted_scopes"] == ["true"]
    assert query["login_hint"] == [PRIMARY], "the same Google account, preselected"
    assert CALENDAR_EVENTS_SCOPE in query["scope"][0].split()
    assert await service.connect_google(
        env, host.id, consent.pending, {"code": consent_code(consent)}
    ) == (account_id)

    after = await accounts.get(account_id)
    assert after is not None
    assert set(after.scopes.split()) == {*READ_SCOPES, CALENDAR_EVENTS_SCOPE}
    assert after.connected_at == before.connected_at
    [listed] = await service.list_accounts(host.id)
    assert listed.can_write
    calendars_after = await repository.calendars_of_account(account_id)
    assert [(c.id, c.is_conflict, c.tentative_blocks) for c in calendars_after] == [
        (c.id, c.is_conflict, c.tentative_blocks if c.id != primary.id else False)
        for c in calendars_before
    ]
    assert await repository.blocks_of(primary.id) == blocks_before

    created = await sync.call(sync.provider(after).create_event, PRIMARY, EVENT)
    assert google.event(PRIMARY, created.remote_id)["summary"] == "From the CRM"


async def test_only_the_owner_can_ask_for_write_access(
    env: CalendarEnvironment, host: Host
) -> None:
    account_id = await connect(env, host.id)
    grace = await hosts.create(
        HostCreate(email="grace@example.com", slug="grace", time_zone="UTC", name="Grace")
    )
    with pytest.raises(NotFound):
        await service.begin_write_access(env, grace.id, account_id, REDIRECT_URI)
