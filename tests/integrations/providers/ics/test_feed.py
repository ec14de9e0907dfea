"""The feed adapter against a real HTTP server on loopback: conditional GET, the
diff between fetches, and every way a feed goes wrong."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    ProviderError,
    RemoteNotFound,
    Unavailable,
)
from integrations.calendars.provider import ChangePage, SyncWindow
from integrations.net.errors import InvalidUrl
from integrations.net.fetch import Fetcher, Limits
from integrations.net.guard import AddressPolicy
from integrations.providers.ics.feed import IcsFeedProvider
from tests.integrations.net.servers import Reply, Silent, Site, Unreachable
from tests.integrations.providers.ics.feedserver import FeedServer

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))


def fetcher(**limits: float) -> Fetcher:
    return Fetcher(AddressPolicy(allow_private=True), limits=Limits(**limits))  # type: ignore[arg-type]


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def adapter(url: str, **limits: float) -> IcsFeedProvider:
    return IcsFeedProvider(url, fetcher(**limits))


def sync(provider: IcsFeedProvider, state: str | None) -> ChangePage:
    return provider.changes(provider.calendar_id, sync_state=state, window=WINDOW)


def test_an_unchanged_feed_is_an_idle_round_by_etag(feed: FeedServer) -> None:
    feed.add("Dentist", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    provider = adapter(feed.url)
    first = sync(provider, None)
    assert len(first.events) == 1
    second = sync(provider, first.sync_state)
    assert (second.events, second.sync_state) == ([], first.sync_state)
    # The full sync asks unconditionally; the next round with the ETag it was given.
    assert "if-none-match" not in feed.requests[0].headers
    assert feed.requests[1].headers["if-none-match"].startswith('"')


def test_without_validators_the_same_bytes_are_still_an_idle_round(feed: FeedServer) -> None:
    feed.validators = False
    feed.add("Dentist", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    provider = adapter(feed.url)
    first = sync(provider, None)
    assert sync(provider, first.sync_state).events == []


def test_a_changed_feed_gives_changes_and_deletions_only(feed: FeedServer) -> None:
    keep = feed.add("Keep", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    edit = feed.add("Edit", NOW + timedelta(hours=4), NOW + timedelta(hours=5))
    gone = feed.add(
        "Series",
        NOW + timedelta(days=1),
        NOW + timedelta(days=1, hours=1),
        "RRULE:FREQ=DAILY;COUNT=3",
    )
    provider = adapter(feed.url)
    first = sync(provider, None)
    assert len(first.events) == 5
    feed.rename(edit, "Edited")
    del feed.events[gone]
    changes = sync(provider, first.sync_state)
    changed = {e.remote_id for e in changes.events if not e.deleted}
    deleted = {e.remote_id for e in changes.events if e.deleted}
    assert changed == {edit}
    assert len(deleted) == 3
    assert all(d.startswith(gone) for d in deleted)
    assert keep not in changed | deleted


def test_webcal_addresses_are_fetched_over_https() -> None:
    provider = IcsFeedProvider("webcal://calendar.example.com/feed.ics", fetcher())
    assert provider.url == "https://calendar.example.com/feed.ics"
    assert provider.host == "calendar.example.com"
    with pytest.raises(InvalidUrl):
        IcsFeedProvider("ftp://calendar.example.com/feed.ics", fetcher())


def test_the_sync_state_holds_nothing_of_the_secret_address(feed: FeedServer) -> None:
    feed.add("Dentist", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    provider = adapter(feed.url)
    state = sync(provider, None).sync_state
    assert state is not None
    plain = zlib.decompress(base64.urlsafe_b64decode(state)).decode()
    assert "secret-0123456789" not in plain
    assert "secret-0123456789" not in provider.calendar_id


def test_a_loopback_feed_is_refused_unless_the_operator_allows_private_urls(
    feed: FeedServer,
) -> None:
    provider = IcsFeedProvider(feed.url, Fetcher(AddressPolicy()))
    with pytest.raises(ProviderError, match="loopback"):
        provider.list_calendars()
    assert feed.requests == []


# -- bad input: each a clear error, nothing half-read ------------------------------------


def test_malformed_icalendar(feed: FeedServer) -> None:
    feed.body_override = b"BEGIN:VCALENDAR\r\nthis line is no property\r\nEND:VCALENDAR\r\n"
    with pytest.raises(BadResponse, match="not valid iCalendar"):
        sync(adapter(feed.url), None)
    feed.body_override = b"<html><body>Please sign in</body></html>"
    with pytest.raises(BadResponse, match="did not answer with an iCalendar"):
        adapter(feed.url).list_calendars()


def test_an_event_ending_before_it_starts_is_unreadable_alone(feed: FeedServer) -> None:
    feed.add("Backwards", NOW + timedelta(hours=3), NOW + timedelta(hours=2), uid="backwards")
    feed.add("Fine", NOW + timedelta(hours=4), NOW + timedelta(hours=5), uid="fine")
    provider = adapter(feed.url)
    events = {e.remote_id: e for e in sync(provider, None).events}
    with pytest.raises(ValueError, match="ends before it starts"):
        provider.facts(events["backwards"], host_zone="UTC")
    facts = provider.facts(events["fine"], host_zone="UTC")
    assert facts is not None
    assert facts.busy


def test_a_20_mb_feed_is_refused_by_size(feed: FeedServer) -> None:
    feed.body_override = b"BEGIN:VCALENDAR\r\n" + b"X" * (20 * 1024 * 1024)
    with pytest.raises(BadResponse, match="more than 10 MB"):
        sync(adapter(feed.url), None)


def test_a_feed_answering_500_is_unavailable(feed: FeedServer) -> None:
    feed.fail_next(500)
    with pytest.raises(Unavailable, match="500"):
        sync(adapter(feed.url), None)


def test_a_reset_secret_address_needs_the_host(feed: FeedServer) -> None:
    feed.fail_next(403)
    with pytest.raises(AuthExpired, match="add the new address"):
        sync(adapter(feed.url), None)
    feed.fail_next(404)
    with pytest.raises(RemoteNotFound):
        sync(adapter(feed.url), None)


def test_an_unreachable_feed_is_unavailable() -> None:
    closed = Site()
    port = closed.port
    closed.close()
    with pytest.raises(Unavailable, match="could not connect"):
        sync(adapter(f"http://127.0.0.1:{port}/feed.ics"), None)
    firewalled = Unreachable()
    try:
        with pytest.raises(Unavailable):
            sync(adapter(f"http://127.0.0.1:{firewalled.port}/f.ics", connect_timeout=0.3), None)
    finally:
        firewalled.close()


def test_a_feed_that_never_answers_times_out() -> None:
    silent = Silent()
    try:
        provider = adapter(f"http://127.0.0.1:{silent.port}/feed.ics", total_timeout=0.5)
        with pytest.raises(Unavailable, match="did not answer"):
            sync(provider, None)
    finally:
        silent.close()


def test_a_feed_with_no_events_is_an_empty_calendar() -> None:
    site = Site({"/f.ics": lambda _s: Reply(200, {}, b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")})
    try:
        page = sync(adapter(f"http://127.0.0.1:{site.port}/f.ics"), None)
        assert page.events == []
        assert page.sync_state
    finally:
        site.close()
