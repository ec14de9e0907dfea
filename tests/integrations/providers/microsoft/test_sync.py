"""The sync engine with the Microsoft adapter: a connected account's grant stored
encrypted, full and incremental sync into busy blocks, an expired delta resynced
without duplicates or losses, refreshes stored under the account's lock, and the
account's status after each kind of failure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.accounts import repository as accounts
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import repository, service
from integrations.calendars.environment import MICROSOFT_WEBHOOK_PATH, CalendarEnvironment
from integrations.calendars.records import CalendarChange, CalendarRecord
from integrations.calendars.retry import RetryPolicy
from integrations.calendars.sync import CalendarSync
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.calendars.helpers import Sleeps
from tests.integrations.providers.microsoft.helpers import (
    REDIRECT_URI,
    connect,
    fake_graph,
    microsoft_environment,
    validation_receiver,
)

NOW = datetime.now(UTC).replace(microsecond=0)
DELTA = "calendarView.delta"


def hours(n: int) -> datetime:
    return NOW + timedelta(hours=n)


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email="ada@contoso.example") as emulator:
        yield emulator


@pytest.fixture
def env(ms: MicrosoftGraphEmulator) -> CalendarEnvironment:
    return microsoft_environment(ms)


@pytest.fixture
def sync(env: CalendarEnvironment) -> CalendarSync:
    return CalendarSync(env)


@pytest.fixture
async def host(db: None) -> Host:
    return await hosts.create(
        HostCreate(email="ada@example.com", slug="ada", time_zone="UTC", name="Ada")
    )


@pytest.fixture
async def calendar(
    env: CalendarEnvironment, ms: MicrosoftGraphEmulator, host: Host
) -> CalendarRecord:
    account_id = await connect(env, ms, host.id)
    rows = await repository.calendars_of_account(account_id)
    return next(r for r in rows if r.primary)


async def _ids(calendar_id: int) -> list[str]:
    return sorted(r.remote_id for r in await repository.blocks_of(calendar_id))


async def test_connect_stores_msal_cache_encrypted_and_the_default_calendar_as_conflict(
    env: CalendarEnvironment, ms: MicrosoftGraphEmulator, host: Host
) -> None:
    ms.add_calendar("Team")
    account_id = await connect(env, ms, host.id)
    account = await accounts.get(account_id)
    assert account is not None
    assert (account.provider, account.external_email, account.status) == (
        "microsoft", "ada@contoso.example", "ok",
    )  # fmt: skip
    tokens = OAuthTokens.from_dict(env.vault.decrypt(account.credentials))
    assert tokens.access_token not in account.credentials
    assert "RefreshToken" in tokens.cache
    assert "secret" not in account.credentials
    assert account.scopes.split().count("Calendars.Read") == 1
    assert "Calendars.ReadWrite" not in account.scopes.split()
    calendars = {r.name: r for r in await repository.calendars_of_account(account_id)}
    assert calendars["Calendar"].is_conflict
    assert not calendars["Team"].is_conflict
    # The same Microsoft account again is the same account, calendars kept.
    assert await connect(env, ms, host.id) == account_id


async def test_full_then_incremental_sync(
    sync: CalendarSync, ms: MicrosoftGraphEmulator, calendar: CalendarRecord
) -> None:
    busy = ms.add_event(start=hours(1), end=hours(2), subject="1:1")["id"]
    free = ms.add_event(start=hours(3), end=hours(4), subject="Focus", showAs="free")["id"]
    secret = ms.add_event(start=hours(5), end=hours(6), subject="Doctor", sensitivity="private")
    first = await sync.sync_calendar(calendar.id)
    assert (first.ok, first.full) == (True, True)
    blocks = {r.remote_id: r for r in await repository.blocks_of(calendar.id)}
    assert set(blocks) == {busy, free, secret["id"]}
    assert blocks[busy].busy
    assert blocks[busy].title == "1:1"
    assert not blocks[free].busy
    assert blocks[secret["id"]].title is None

    ms.delete_event(busy)
    ms.edit_event(free, showAs="busy")
    added = ms.add_event(start=hours(7), end=hours(8), subject="New")["id"]
    before = ms.count(DELTA)
    second = await sync.sync_calendar(calendar.id)
    assert (second.ok, second.full, second.written, second.deleted) == (True, False, 2, 1)
    assert ms.count(DELTA) - before == 1
    assert await _ids(calendar.id) == sorted([free, secret["id"], added])

    before = ms.count(DELTA)
    idle = await sync.sync_calendar(calendar.id)
    assert (idle.written, idle.deleted) == (0, 0)
    assert ms.count(DELTA) - before == 1  # one request per calendar


@pytest.mark.parametrize(
    ("status", "code"),
    [(410, "SyncStateNotFound"), (410, "resyncRequired"), (400, "syncStateNotFound")],
)
async def test_an_expired_delta_resyncs_in_full_without_duplicates_or_losses(
    sync: CalendarSync, ms: MicrosoftGraphEmulator, calendar: CalendarRecord, status: int, code: str
) -> None:
    kept = ms.add_event(start=hours(1), end=hours(2), subject="Kept")["id"]
    deleted = ms.add_event(start=hours(3), end=hours(4), subject="Deleted")["id"]
    await sync.sync_calendar(calendar.id)
    ms.expire_delta_tokens(status=status, code=code)
    ms.delete_event(deleted)
    added = ms.add_event(start=hours(5), end=hours(6), subject="Added")["id"]

    outcome = await sync.sync_calendar(calendar.id)

    assert (outcome.ok, outcome.full) == (True, True)
    assert await _ids(calendar.id) == sorted([kept, added])
    statuses = [r.status for r in ms.requests if r.operation == DELTA]
    assert status in statuses


async def test_a_refresh_is_stored_before_the_next_request(
    env: CalendarEnvironment,
    sync: CalendarSync,
    ms: MicrosoftGraphEmulator,
    calendar: CalendarRecord,
) -> None:
    account = await accounts.get(calendar.account_id)
    assert account is not None
    ms.set_strict_refresh_rotation()
    ms.expire_access_tokens()
    assert (await sync.sync_calendar(calendar.id)).ok
    stored = await accounts.get(calendar.account_id)
    assert stored is not None
    assert stored.credentials != account.credentials
    # The rotated refresh token was stored: the next refresh works.
    ms.expire_access_tokens()
    assert (await sync.sync_calendar(calendar.id)).ok
    again = await accounts.get(calendar.account_id)
    assert again is not None
    assert again.status == "ok"


async def test_a_revoked_grant_needs_reconnecting_and_a_reconnect_clears_it(
    env: CalendarEnvironment,
    sync: CalendarSync,
    ms: MicrosoftGraphEmulator,
    calendar: CalendarRecord,
) -> None:
    ms.add_event(start=hours(1), end=hours(2), subject="Kept")
    await sync.sync_calendar(calendar.id)
    ms.revoke_refresh_token()
    ms.expire_access_tokens()
    outcome = await sync.sync_calendar(calendar.id)
    assert not outcome.ok
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "reconnect_needed"
    # The last good busy blocks stay.
    assert len(await _ids(calendar.id)) == 1

    # Reconnecting the same Microsoft account clears the status and syncs again.
    assert await connect(env, ms, account.host) == account.id
    again = await accounts.get(account.id)
    assert again is not None
    assert (again.status, again.connected_at) == ("ok", account.connected_at)
    assert (await sync.sync_calendar(calendar.id)).ok


async def test_throttling_keeps_the_last_good_blocks_and_the_account_ok(
    sync: CalendarSync, ms: MicrosoftGraphEmulator, calendar: CalendarRecord
) -> None:
    ms.add_event(start=hours(1), end=hours(2), subject="Kept")
    await sync.sync_calendar(calendar.id)
    ms.fail_next(10, 429, operation=DELTA, retry_after=3)
    outcome = await sync.sync_calendar(calendar.id)
    assert not outcome.ok
    row = await repository.calendar(calendar.id)
    assert row is not None
    assert "429" in row.last_error
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "ok"
    assert len(await _ids(calendar.id)) == 1


async def test_write_access_is_a_second_consent_that_keeps_the_account(
    env: CalendarEnvironment,
    sync: CalendarSync,
    ms: MicrosoftGraphEmulator,
    host: Host,
    calendar: CalendarRecord,
) -> None:
    ms.add_event(start=hours(1), end=hours(2), subject="Kept")
    await sync.sync_calendar(calendar.id)
    [listed] = await service.list_accounts(host.id)
    assert not listed.can_write

    consent = await service.begin_write_access(
        env, host.id, calendar.account_id, "unused", microsoft_redirect_uri=REDIRECT_URI
    )
    asked = set(parse_qs(urlsplit(consent.url).query)["scope"][0].split())
    assert "Calendars.ReadWrite" in asked
    account_id = await service.connect_microsoft(
        env, host.id, consent.pending, ms.browser_sign_in(consent.url)
    )
    assert account_id == calendar.account_id
    [listed] = await service.list_accounts(host.id)
    assert listed.can_write
    # Nothing stored under the account was lost.
    assert len(await _ids(calendar.id)) == 1
    account = await accounts.get(account_id)
    assert account is not None
    provider = sync.provider(account)
    body = {"subject": "From the CRM", "start": {"dateTime": hours(3).isoformat()},
            "end": {"dateTime": hours(4).isoformat()}}  # fmt: skip
    created = await sync.call(provider.create_event, calendar.remote_id, body)
    assert ms.event(created.remote_id)["subject"] == "From the CRM"


async def test_subscriptions_are_renewed_before_they_expire_and_deleted_on_disconnect(
    ms: MicrosoftGraphEmulator, host: Host
) -> None:
    with validation_receiver() as receiver:
        public_url = receiver.url.removesuffix(MICROSOFT_WEBHOOK_PATH)
        env = microsoft_environment(ms, public_url=public_url, push=True)
        sync = CalendarSync(env)
        account_id = await connect(env, ms, host.id)
        (calendar_id,) = await repository.conflict_calendar_ids(account_id)
        await sync.sync_calendar(calendar_id)
        (first,) = ms.subscriptions
        assert first["notificationUrl"].startswith(receiver.url + "?channel=")
        (channel,) = await repository.channels_of(calendar_id)
        assert channel.resource_id == first["id"]

        # A sync within the subscription's life leaves it alone.
        await sync.sync_calendar(calendar_id)
        assert ms.subscriptions == [first]

        # Less than a day before Graph would drop it, a sync extends it in place.
        with time_machine.travel(datetime.now(UTC) + timedelta(days=2), tick=True):
            assert (await sync.sync_calendar(calendar_id)).ok
            (renewed,) = ms.subscriptions
            assert renewed["id"] == first["id"]
            assert renewed["expirationDateTime"] > first["expirationDateTime"]
            (row,) = await repository.channels_of(calendar_id)
            assert (row.channel_id, row.token) == (channel.channel_id, channel.token)
            assert row.expires_at > channel.expires_at + timedelta(days=1)

        # Once it lapsed (no sync for days: the worker was down), a new one is made.
        with time_machine.travel(datetime.now(UTC) + timedelta(days=6), tick=True):
            assert (await sync.sync_calendar(calendar_id)).ok
            (replaced,) = ms.subscriptions
            assert replaced["id"] != first["id"]
            (row,) = await repository.channels_of(calendar_id)
            assert row.resource_id == replaced["id"]

            assert await service.disconnect(env, sync, host.id, account_id) is True
            assert ms.subscriptions == []
            assert await repository.channels_of(calendar_id) == []


async def test_a_subscription_graph_dropped_is_replaced(
    ms: MicrosoftGraphEmulator, host: Host
) -> None:
    with validation_receiver() as receiver:
        public_url = receiver.url.removesuffix(MICROSOFT_WEBHOOK_PATH)
        env = microsoft_environment(ms, public_url=public_url, push=True)
        sync = CalendarSync(env)
        (calendar_id,) = await repository.conflict_calendar_ids(await connect(env, ms, host.id))
        await sync.sync_calendar(calendar_id)
        (first,) = ms.subscriptions
        gone = ms.graph_session().delete(f"{ms.graph_url}/subscriptions/{first['id']}")
        assert gone.status_code == 204
        with time_machine.travel(datetime.now(UTC) + timedelta(days=2), tick=True):
            assert (await sync.sync_calendar(calendar_id)).ok
            (second,) = ms.subscriptions
            assert second["id"] != first["id"]
            (row,) = await repository.channels_of(calendar_id)
            assert row.resource_id == second["id"]


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_waited_for_then_the_sync_goes_on(
    ms: MicrosoftGraphEmulator, host: Host, status: int
) -> None:
    sleeps = Sleeps()
    env = microsoft_environment(ms, retry=RetryPolicy(sleep=sleeps))
    sync = CalendarSync(env)
    (calendar_id,) = await repository.conflict_calendar_ids(await connect(env, ms, host.id))
    ms.add_event(start=hours(1), end=hours(2), subject="Kept")
    ms.fail_next(2, status, operation=DELTA, retry_after=7)
    outcome = await sync.sync_calendar(calendar_id)
    assert outcome.ok
    assert len(sleeps.delays) == 2
    assert all(delay >= 7 for delay in sleeps.delays)
    assert len(await _ids(calendar_id)) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>gateway</html>", b'{"value": []}', b'{"value": [{"id": "x"}], "@odata.deltaLink": 1}'],
)
async def test_a_graph_reply_missing_fields_is_a_calendar_error_keeping_the_last_blocks(
    env: CalendarEnvironment,
    ms: MicrosoftGraphEmulator,
    calendar: CalendarRecord,
    body: bytes,
) -> None:
    ms.add_event(start=hours(1), end=hours(2), subject="Kept")
    assert (await CalendarSync(env).sync_calendar(calendar.id)).ok
    await repository.update_calendar(calendar.id, CalendarChange(sync_token=None))
    with fake_graph(body) as url:
        broken = replace(env, microsoft=replace(env.microsoft_app(), graph_url=url))
        outcome = await CalendarSync(broken).sync_calendar(calendar.id)
    assert not outcome.ok
    row = await repository.calendar(calendar.id)
    assert row is not None
    assert "Microsoft Graph" in row.last_error
    assert len(await _ids(calendar.id)) == 1
