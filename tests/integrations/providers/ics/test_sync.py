"""A feed through the sync engine and the database: what the host sees on the
calendar when the feed changes, idles, breaks and comes back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from tests.integrations.providers.ics.feedserver import FeedServer

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def env() -> CalendarEnvironment:
    return CalendarEnvironment(
        vault=TokenVault(generate_key()),
        public_url="http://127.0.0.1:8000",
        mail_from="Rendezvous <no-reply@example.com>",
        retry=RetryPolicy(attempts=2, sleep=Sleeps()),
        allow_private_urls=True,
        fetch_limits=Limits(connect_timeout=0.5, total_timeout=1.0),
    )


@pytest.fixture
async def host(db: None) -> Host:
    return await hosts.create(
        HostCreate(email="ada@example.com", slug="ada", time_zone="Europe/Berlin", name="Ada")
    )


async def _connect(env: CalendarEnvironment, host: Host, feed: FeedServer) -> int:
    account_id = await service.connect_ics(env, host.id, feed.url, "Family")
    [calendar] = await repository.calendars_of_account(account_id)
    return int(calendar.id)


async def _titles(calendar_id: int) -> set[str]:
    return {b.title for b in await repository.busy_blocks_of(calendar_id)}


async def test_a_feed_is_added_with_its_address_encrypted_and_synced(
    env: CalendarEnvironment, host: Host, feed: FeedServer
) -> None:
    feed.add("Dentist", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    feed.add(
        "Free", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1), "TRANSP:TRANSPARENT"
    )
    calendar_id = await _connect(env, host, feed)
    [account] = await accounts_repository.of_host(host.id, "calendar")
    assert (account.provider, account.display_name, account.external_email) == (
        "ics", "Family", "127.0.0.1",
    )  # fmt: skip
    assert feed.path not in account.credentials
    assert feed.path not in account.external_id
    assert env.vault.decrypt(account.credentials) == {"url": feed.url}
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert calendar.is_conflict

    outcome = await CalendarSync(env).sync_calendar(calendar_id)
    assert outcome.ok
    assert await _titles(calendar_id) == {"Dentist"}


async def test_an_unchanged_feed_costs_one_request_and_no_write(
    env: CalendarEnvironment, host: Host, feed: FeedServer
) -> None:
    feed.add("Dentist", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    calendar_id = await _connect(env, host, feed)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    before = len(feed.requests)
    idle = await sync.sync_calendar(calendar_id)
    assert idle.ok
    assert not idle.full
    assert (idle.written, idle.deleted) == (0, 0)
    assert len(feed.requests) - before == 1


async def test_a_broken_feed_shows_its_error_and_keeps_the_last_good_blocks(
    env: CalendarEnvironment, host: Host, feed: FeedServer
) -> None:
    feed.add("Dentist", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    calendar_id = await _connect(env, host, feed)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    good = await repository.busy_blocks_of(calendar_id)

    feed.body_override = b"BEGIN:VCALENDAR\r\nnot a property line\r\n"
    failed = await sync.sync_calendar(calendar_id)
    assert not failed.ok
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert "not valid iCalendar" in calendar.last_error
    assert await repository.busy_blocks_of(calendar_id) == good

    for status in (500, 500):  # the engine retries once; both attempts fail
        feed.fail_next(status)
    down = await sync.sync_calendar(calendar_id)
    assert "500" in down.error
    assert await repository.busy_blocks_of(calendar_id) == good

    feed.body_override = None
    feed.add("Lunch", NOW + timedelta(days=3), NOW + timedelta(days=3, hours=1))
    back = await sync.sync_calendar(calendar_id)
    assert back.ok
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert calendar.last_error == ""
    assert await _titles(calendar_id) == {"Dentist", "Lunch"}


def _malformed(feed: FeedServer) -> None:
    feed.body_override = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nno colon here\r\n"


def _huge(feed: FeedServer) -> None:
    feed.body_override = b"BEGIN:VCALENDAR\r\n" + b"X" * (20 * 1024 * 1024)


def _never_answers(feed: FeedServer) -> None:
    for _ in range(2):  # each attempt of the engine's retry
        feed.stall_next()


def _error_status(feed: FeedServer) -> None:
    for _ in range(2):
        feed.fail_next(500)


@pytest.mark.parametrize(
    ("break_feed", "says"),
    [
        (_malformed, "not valid iCalendar"),
        (_huge, "more than 10 MB"),
        (_never_answers, "did not answer completely"),
        (_error_status, "answered 500"),
    ],
)
async def test_each_bad_feed_keeps_the_last_good_blocks(
    env: CalendarEnvironment,
    host: Host,
    feed: FeedServer,
    break_feed: Callable[[FeedServer], None],
    says: str,
) -> None:
    feed.add("Dentist", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    calendar_id = await _connect(env, host, feed)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    good = await repository.busy_blocks_of(calendar_id)
    assert len(good) == 1
    break_feed(feed)
    failed = await sync.sync_calendar(calendar_id)
    assert not failed.ok
    assert says in failed.error
    calendar = await repository.calendar(calendar_id)
    assert calendar is not None
    assert says in calendar.last_error
    assert await repository.busy_blocks_of(calendar_id) == good


async def test_adding_an_address_that_is_no_calendar_is_refused_as_bad_input(
    env: CalendarEnvironment, host: Host, feed: FeedServer
) -> None:
    feed.body_override = b"<html>Sign in to see this calendar</html>"
    with pytest.raises(InvalidInput, match="did not answer with an iCalendar"):
        await service.connect_ics(env, host.id, feed.url)
    with pytest.raises(InvalidInput, match="loopback"):
        await service.connect_ics(
            CalendarEnvironment(
                vault=env.vault, public_url=env.public_url, mail_from=env.mail_from
            ),
            host.id,
            feed.url,
        )
    assert await accounts_repository.of_host(host.id, "calendar") == []


async def test_a_reset_feed_address_asks_the_host_for_the_new_one(
    env: CalendarEnvironment, host: Host, feed: FeedServer
) -> None:
    feed.add("Dentist", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    calendar_id = await _connect(env, host, feed)
    sync = CalendarSync(env)
    await sync.sync_calendar(calendar_id)
    good = await repository.busy_blocks_of(calendar_id)
    feed.fail_next(403)
    outcome = await sync.sync_calendar(calendar_id)
    assert not outcome.ok
    [account] = await accounts_repository.of_host(host.id, "calendar")
    assert account.status == "reconnect_needed"
    assert await repository.busy_blocks_of(calendar_id) == good
