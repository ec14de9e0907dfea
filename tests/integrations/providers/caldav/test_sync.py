"""A CalDAV account through the service, the sync engine and the database, against
a real Radicale: what the host sees when the server changes, idles, fails, forgets
its sync tokens and refuses the password."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.errors import InvalidInput
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository, service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.retry import RetryPolicy
from integrations.calendars.sync import CalendarSync
from integrations.net.fetch import Limits
from integrations.vault import TokenVault, generate_key
from tests.integrations.calendars.helpers import Sleeps
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def env() -> CalendarEnvironment:
    return CalendarEnvironment(
        vault=TokenVault(generate_key()),
        public_url="http://127.0.0.1:8000",
        mail_from="Rendezvous <no-reply@example.com>",
        retry=RetryPolicy(attempts=2, sleep=Sleeps()),
        allow_private_urls=True,
        fetch_limits=Limits(connect_timeout=1.0, total_timeout=5.0),
    )


@pytest.fixture
async def host(db: None) -> Host:
    return await hosts.create(
        HostCreate(email="ada@example.com", slug="ada", time_zone="Europe/Berlin", name="Ada")
    )


async def _connect(env: CalendarEnvironment, host: Host, dav: Radicale) -> int:
    account_id = await service.connect_caldav(env, host.id, dav.url, USER, PASSWORD)
    [calendar] = [c for c in await repository.calendars_of_account(account_id) if c.is_conflict]
    return calendar.id


async def _titles(calendar_id: int) -> list[str]:
    return sorted(b.title for b in await repository.busy_blocks_of(calendar_id))


def hours(n: int) -> datetime:
    return NOW + timedelta(hours=n)


async def test_an_account_is_connected_with_its_password_encrypted_and_synced(
    env: CalendarEnvironment, host: Host, dav: Radicale
) -> None:
    dav.add("Dentist", hours(24), hours(25))
    dav.add("Free", hours(26), hours(27), "TRANSP:TRANSPARENT")
    dav.add("Work thing", hours(28), hours(29), calendar="work")
    calendar_id = await _connect(env, host, dav)
    [account] = await accounts_repository.of_host(host.id, "calendar")
    assert (account.provider, account.external_email, account.display_name) == (
        "caldav", USER, "127.0.0.1",
    )  # fmt: skip
    assert PASSWORD not in account.credentials
    assert env.vault.decrypt(account.credentials)["password"] == PASSWORD
    listed = await service.list_calendars(env, host.id)
    # Like Google's: every calendar listed, the first a conflict calendar, the host
    # picks the others.
    assert [(c.name, c.colour, c.is_conflict) for c in listed] == [
        ("Calendar", "#3a87ad", True),
        ("Work", "#3a87ad", False),
    ]

    [outcome] = await CalendarSync(env).sync_account(account.id)
    assert outcome.ok
    assert outcome.full
    # The transparent event is stored as free: only the dentist blocks.
    assert await _titles(calendar_id) == ["Dentist"]


async def test_a_wrong_password_is_refused_as_bad_input(
    env: CalendarEnvironment, host: Host, dav: Radicale
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.connect_caldav(env, host.id, dav.url, USER, "wrong")
    assert caught.value.field == "password"
    assert "app password" in caught.value.detail
    assert await accounts_repository.of_host(host.id, "calendar") == []


async def test_a_revoked_password_asks_for_reconnection_and_keeps_the_blocks(
    env: CalendarEnvironment, host: Host, dav: Radicale
) -> None:
    dav.add("Dentist", hours(24), hours(25))
    calendar_id = await _connect(env, host, dav)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    good = await repository.busy_blocks_of(calendar_id)

    dav.change_password("a-new-app-password")
    outcome = await sync.sync_calendar(calendar_id)
    assert not outcome.ok
    [account] = await accounts_repository.of_host(host.id, "calendar")
    assert account.status == "reconnect_needed"
    assert "refused the app password" in account.status_message
    assert await repository.busy_blocks_of(calendar_id) == good

    # Connecting again with the new app password clears it, keeping the calendars.
    await service.connect_caldav(env, host.id, dav.url, USER, "a-new-app-password")
    [account] = await accounts_repository.of_host(host.id, "calendar")
    assert account.status == "ok"
    assert (await sync.sync_calendar(calendar_id)).ok


@pytest.mark.parametrize(
    ("break_it", "says"),
    [
        (lambda dav: [dav.fail_next(500), dav.fail_next(500)], "failed (HTTP 500)"),
        (lambda dav: dav.answer_invalid_xml_next(), "invalid XML"),
    ],
)
async def test_a_failing_server_keeps_the_last_good_blocks(
    env: CalendarEnvironment, host: Host, dav: Radicale, break_it: object, says: str
) -> None:
    dav.add("Dentist", hours(24), hours(25))
    calendar_id = await _connect(env, host, dav)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    good = await repository.busy_blocks_of(calendar_id)
    dav.add("Added meanwhile", hours(30), hours(31))
    break_it(dav)  # type: ignore[operator]
    outcome = await sync.sync_calendar(calendar_id)
    assert not outcome.ok
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert says in calendar.last_error
    assert await repository.busy_blocks_of(calendar_id) == good

    assert (await sync.sync_calendar(calendar_id)).ok  # the server is back
    assert await _titles(calendar_id) == ["Added meanwhile", "Dentist"]
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert calendar.last_error == ""


async def test_a_rejected_sync_token_resyncs_in_full_without_duplicates(
    env: CalendarEnvironment, host: Host, dav: Radicale
) -> None:
    dav.add("Dentist", hours(24), hours(25))
    calendar_id = await _connect(env, host, dav)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    dav.forget_sync_tokens()
    dav.add("Added meanwhile", hours(30), hours(31))
    dav.seen.clear()
    outcome = await sync.sync_calendar(calendar_id)
    assert outcome.ok
    assert outcome.full
    # The rejected REPORT (403 valid-sync-token), then a full one: no library fallback.
    reports = [m for m, _ in dav.seen if m == "REPORT"]
    # Rejected sync-collection, then the full one, which brings the resources' text
    # (calendar-data): no multiget after it.
    assert len(reports) == 2, dav.seen
    assert await _titles(calendar_id) == ["Added meanwhile", "Dentist"]


async def test_an_idle_round_is_one_request_and_no_write(
    env: CalendarEnvironment, host: Host, dav: Radicale
) -> None:
    dav.add("Dentist", hours(24), hours(25))
    calendar_id = await _connect(env, host, dav)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    before = await repository.calendar(calendar_id)
    dav.seen.clear()
    outcome = await sync.sync_calendar(calendar_id)
    assert outcome.ok
    assert not outcome.full
    assert (outcome.written, outcome.deleted) == (0, 0)
    assert dav.seen == [("REPORT", dav.calendar_path())]
    after = await repository.calendar(calendar_id)
    assert before is not None
    assert after is not None
    assert after.sync_token == before.sync_token
