"""The sync engine against the Google emulator: full and incremental sync, paging,
410 resync, retries, auth failures, crash safety."""

from __future__ import annotations

from dataclasses import replace

import pytest
import time_machine

from booking.hosts.schemas import Host
from booking.outbox import service as outbox
from integrations.accounts import repository as accounts
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.records import BlockRecord, CalendarChange, CalendarRecord
from integrations.calendars.retry import RetryPolicy
from integrations.calendars.sync import CalendarSync
from integrations.providers.google import client as google_client
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import Sleeps, at, connect, environment, google_app

LIST = "calendar.events.list"
PRIMARY = "ada@example.com"


async def _primary(account_id: int) -> CalendarRecord:
    rows = await repository.calendars_of_account(account_id)
    return next(r for r in rows if r.primary)


async def _blocks(calendar_id: int) -> dict[str, BlockRecord]:
    return {row.remote_id: row for row in await repository.blocks_of(calendar_id)}


@pytest.fixture
async def calendar(env: CalendarEnvironment, host: Host) -> CalendarRecord:
    return await _primary(await connect(env, host.id))


async def test_connect_stores_the_grant_encrypted_and_the_primary_as_conflict_calendar(
    env: CalendarEnvironment, host: Host, google: GoogleCalendarEmulator
) -> None:
    google.add_calendar("team@group.calendar.google.com", "Team")
    account_id = await connect(env, host.id)
    account = await accounts.get(account_id)
    assert account is not None
    assert (account.external_email, account.status) == (PRIMARY, "ok")
    tokens = OAuthTokens.from_dict(env.vault.decrypt(account.credentials))
    assert tokens.access_token not in account.credentials
    assert tokens.refresh_token not in account.credentials
    calendars = {r.remote_id: r for r in await repository.calendars_of_account(account_id)}
    assert calendars[PRIMARY].is_conflict
    assert calendars[PRIMARY].primary
    assert not calendars["team@group.calendar.google.com"].is_conflict
    assert calendars["team@group.calendar.google.com"].name == "Team"
    # Connecting the same Google account again updates it: no second account.
    assert await connect(env, host.id) == account_id


async def test_full_sync_stores_every_event_of_the_window_classified(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord
) -> None:
    busy = google.add_event(PRIMARY, summary="1:1", start=at(2, 9), end=at(2, 10))
    free = google.add_event(
        PRIMARY, summary="Focus", start=at(2, 11), end=at(2, 12), transparency="transparent"
    )
    secret = google.add_event(
        PRIMARY, summary="Doctor", start=at(3, 9), end=at(3, 10), visibility="private"
    )
    maybe = google.add_event(
        PRIMARY, summary="Maybe", start=at(3, 11), end=at(3, 12), status="tentative"
    )
    gone = google.add_event(PRIMARY, summary="Gone", start=at(4, 9), end=at(4, 10))
    google.delete_event(PRIMARY, gone["id"])
    old = at(1, 9).replace(year=2029)
    google.add_event(PRIMARY, summary="Old", start=old, end=old.replace(hour=10))
    daily = google.add_event(
        PRIMARY,
        summary="Daily",
        start={"dateTime": "2030-01-05T08:00:00Z", "timeZone": "UTC"},
        end={"dateTime": "2030-01-05T08:30:00Z", "timeZone": "UTC"},
        recurrence=["RRULE:FREQ=DAILY;COUNT=3"],
    )

    outcome = await sync.sync_calendar(calendar.id)

    assert outcome.ok
    assert outcome.full
    blocks = await _blocks(calendar.id)
    assert set(blocks) == {
        busy["id"],
        free["id"],
        secret["id"],
        maybe["id"],
        *(f"{daily['id']}_2030010{day}T080000Z" for day in (5, 6, 7)),
    }
    assert blocks[busy["id"]].busy
    assert blocks[busy["id"]].title == "1:1"
    assert not blocks[free["id"]].busy
    assert blocks[secret["id"]].private
    assert blocks[secret["id"]].title is None
    assert blocks[maybe["id"]].busy
    assert blocks[maybe["id"]].tentative
    assert blocks[busy["id"]].start_at == at(2, 9)
    assert blocks[busy["id"]].etag == busy["etag"]
    assert blocks[busy["id"]].ical_uid == busy["iCalUID"]
    synced = await repository.calendar(calendar.id)
    assert synced is not None
    assert synced.sync_token
    assert synced.last_synced_at == at(1, 12)


async def test_incremental_sync_applies_edits_and_deletions_and_an_idle_round_writes_nothing(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord
) -> None:
    kept = google.add_event(PRIMARY, summary="Kept", start=at(2, 9), end=at(2, 10))
    moved = google.add_event(PRIMARY, summary="Moved", start=at(2, 11), end=at(2, 12))
    deleted = google.add_event(PRIMARY, summary="Deleted", start=at(2, 13), end=at(2, 14))
    await sync.sync_calendar(calendar.id)

    google.edit_event(PRIMARY, moved["id"], start=at(3, 11), end=at(3, 12))
    google.delete_event(PRIMARY, deleted["id"])
    added = google.add_event(PRIMARY, summary="New", start=at(4, 9), end=at(4, 10))
    before = google.count(LIST)
    outcome = await sync.sync_calendar(calendar.id)

    assert outcome.ok
    assert not outcome.full
    assert (outcome.written, outcome.deleted) == (2, 1)
    assert google.count(LIST) - before == 1
    blocks = await _blocks(calendar.id)
    assert set(blocks) == {kept["id"], moved["id"], added["id"]}
    assert blocks[moved["id"]].start_at == at(3, 11)

    before = google.count(LIST)
    idle = await sync.sync_calendar(calendar.id)
    assert google.count(LIST) - before == 1
    assert (idle.written, idle.deleted) == (0, 0)


async def test_a_full_sync_follows_every_page(
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    calendar: CalendarRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(google_client, "PAGE_SIZE", 2)
    for day in range(2, 7):
        google.add_event(PRIMARY, summary=f"Day {day}", start=at(day, 9), end=at(day, 10))
    await sync.sync_calendar(calendar.id)
    assert google.count(LIST) == 3
    assert len(await _blocks(calendar.id)) == 5


async def test_expired_sync_token_resyncs_in_full_without_duplicates_or_losses(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord
) -> None:
    kept = google.add_event(PRIMARY, summary="Kept", start=at(2, 9), end=at(2, 10))
    deleted = google.add_event(PRIMARY, summary="Deleted", start=at(2, 11), end=at(2, 12))
    await sync.sync_calendar(calendar.id)
    google.expire_sync_tokens()
    google.delete_event(PRIMARY, deleted["id"])
    added = google.add_event(PRIMARY, summary="Added", start=at(3, 9), end=at(3, 10))

    outcome = await sync.sync_calendar(calendar.id)

    assert outcome.ok
    assert outcome.full
    rows = await repository.blocks_of(calendar.id)
    assert sorted(r.remote_id for r in rows) == sorted([kept["id"], added["id"]])
    statuses = [r.status for r in google.requests if r.method_id == LIST]
    assert statuses[-2:] == [410, 200]


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "rateLimitExceeded"), (403, "userRateLimitExceeded"), (503, "backendError")],
)
async def test_rate_limits_and_outages_are_retried_with_backoff(
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    calendar: CalendarRecord,
    sleeps: Sleeps,
    status: int,
    reason: str,
) -> None:
    google.add_event(PRIMARY, summary="x", start=at(2, 9), end=at(2, 10))
    google.fail_next(2, status, reason, LIST)
    outcome = await sync.sync_calendar(calendar.id)
    assert outcome.ok
    assert len(sleeps.delays) == 2
    # Full jitter under an exponential ceiling: base 1 s, then 2 s.
    assert 0 <= sleeps.delays[0] <= 1
    assert 0 <= sleeps.delays[1] <= 2
    assert len(await _blocks(calendar.id)) == 1


async def test_retry_after_is_honoured(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord, sleeps: Sleeps
) -> None:
    google.fail_next(1, 429, "rateLimitExceeded", LIST, retry_after=7)
    assert (await sync.sync_calendar(calendar.id)).ok
    assert sleeps.delays == [7.0]


async def test_exhausted_retries_keep_the_old_sync_token_and_report_the_error(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord, sleeps: Sleeps
) -> None:
    await sync.sync_calendar(calendar.id)
    before = await repository.calendar(calendar.id)
    google.add_event(PRIMARY, summary="Later", start=at(2, 9), end=at(2, 10))
    google.fail_next(5, 500, "backendError", LIST)

    outcome = await sync.sync_calendar(calendar.id)

    assert not outcome.ok
    assert "500" in outcome.error
    assert len(sleeps.delays) == 4
    after = await repository.calendar(calendar.id)
    assert after is not None
    assert before is not None
    assert after.sync_token == before.sync_token
    assert "500" in after.last_error
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "ok"
    assert (await sync.sync_calendar(calendar.id)).ok
    assert len(await _blocks(calendar.id)) == 1


async def test_a_failed_commit_leaves_the_old_token_and_the_repeat_is_idempotent(
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    calendar: CalendarRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = google.add_event(PRIMARY, summary="First", start=at(2, 9), end=at(2, 10))
    await sync.sync_calendar(calendar.id)
    token = (await repository.calendar(calendar.id)).sync_token
    google.edit_event(PRIMARY, first["id"], summary="Renamed")
    second = google.add_event(PRIMARY, summary="Second", start=at(3, 9), end=at(3, 10))

    async def crash(calendar_id: int, change: CalendarChange) -> None:
        raise RuntimeError("process killed")

    with monkeypatch.context() as patch:
        patch.setattr(repository, "update_calendar", crash)
        with pytest.raises(RuntimeError):
            await sync.sync_calendar(calendar.id)
    assert (await repository.calendar(calendar.id)).sync_token == token
    blocks = await _blocks(calendar.id)
    assert set(blocks) == {first["id"]}
    assert blocks[first["id"]].title == "First"

    assert (await sync.sync_calendar(calendar.id)).ok
    blocks = await _blocks(calendar.id)
    assert set(blocks) == {first["id"], second["id"]}
    assert blocks[first["id"]].title == "Renamed"


@pytest.mark.parametrize("how", ["revoked", "401 after refresh"])
async def test_a_dead_grant_marks_the_account_and_e_mails_the_host_once(
    sync: CalendarSync, google: GoogleCalendarEmulator, calendar: CalendarRecord, how: str
) -> None:
    if how == "revoked":
        google.revoke_refresh_token()
        google.expire_access_tokens()
    else:
        # AuthorizedHttp refreshes and retries on a 401 twice; the third one sticks.
        google.fail_next(3, 401, "authError", LIST)

    outcome = await sync.sync_calendar(calendar.id)

    assert not outcome.ok
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "reconnect_needed"
    calls = google.count(LIST)
    again = await sync.sync_calendar(calendar.id)
    assert not again.ok
    assert google.count(LIST) == calls
    mails = await outbox.jobs_of_kind("email")
    assert len(mails) == 1
    assert mails[0]["payload"]["to"] == "ada@example.com"
    assert mails[0]["payload"]["from"], "an envelope sender, or SMTP delivery cannot start"
    assert "Reconnect" in mails[0]["payload"]["subject"]


async def test_reconnecting_clears_the_status_and_a_later_break_e_mails_again(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    calendar = await _primary(await connect(env, host.id))
    google.revoke_refresh_token()
    google.expire_access_tokens()
    await sync.sync_calendar(calendar.id)
    with time_machine.travel(at(1, 13), tick=False):
        await connect(env, host.id)
        account = await accounts.get(calendar.account_id)
        assert account is not None
        assert (account.status, account.reconnect_notified_at) == ("ok", None)
        assert (await sync.sync_calendar(calendar.id)).ok
        google.revoke_refresh_token()
        google.expire_access_tokens()
        await sync.sync_calendar(calendar.id)
    assert len(await outbox.jobs_of_kind("email")) == 2


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "notFound"), (403, "forbidden"), (400, "invalid")]
)
async def test_a_refusal_marks_the_account_in_error(
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    calendar: CalendarRecord,
    status: int,
    reason: str,
) -> None:
    google.fail_next(1, status, reason, LIST)
    outcome = await sync.sync_calendar(calendar.id)
    assert not outcome.ok
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "error"
    assert str(status) in account.status_message
    assert (await sync.sync_calendar(calendar.id)).ok
    account = await accounts.get(calendar.account_id)
    assert account is not None
    assert account.status == "ok"


async def test_a_hung_google_times_out(
    host: Host, google: GoogleCalendarEmulator, sleeps: Sleeps
) -> None:
    env = environment(google, sleeps, retry=RetryPolicy(attempts=2, sleep=sleeps))
    calendar = await _primary(await connect(env, host.id))
    slow = environment(
        google,
        sleeps,
        vault=env.vault,
        google=replace(google_app(google), timeout=0.1),
        retry=RetryPolicy(attempts=2, sleep=sleeps),
    )
    google.set_latency(0.3)
    outcome = await CalendarSync(slow).sync_calendar(calendar.id)
    google.set_latency(0)
    assert not outcome.ok
    assert "in time" in outcome.error
    assert len(sleeps.delays) == 1


async def test_tokens_are_refreshed_before_expiry_and_stored_at_once(
    env: CalendarEnvironment,
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    calendar: CalendarRecord,
    frozen: time_machine.Traveller,
) -> None:
    account = await accounts.get(calendar.account_id)
    assert account is not None
    old = OAuthTokens.from_dict(env.vault.decrypt(account.credentials))
    frozen.shift(old.expires_at - at(1, 12) - (google_client.DEFAULT_REFRESH_MARGIN / 2))
    assert (await sync.sync_calendar(calendar.id)).ok
    account = await accounts.get(calendar.account_id)
    assert account is not None
    new = OAuthTokens.from_dict(env.vault.decrypt(account.credentials))
    assert new.access_token != old.access_token
    assert new.refresh_token == old.refresh_token
    assert new.expires_at > old.expires_at
    # Refreshed ahead of time: no request was refused with a 401 first.
    assert all(r.status == 200 for r in google.requests)
