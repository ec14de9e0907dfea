"""The Graph adapter against the emulator: calendars, calendarView/delta rounds,
busy rules, writes, subscriptions, and every failure class as its typed error."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from availability import MalformedEventError
from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    InsufficientScope,
    PreconditionFailed,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    Revoked,
    SyncStateExpired,
    Unavailable,
)
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars.provider import RemoteEvent, SyncWindow
from integrations.providers.microsoft.client import MicrosoftCalendarProvider, event_facts
from integrations.providers.microsoft.oauth import MicrosoftApp
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import (
    consent_tokens,
    fake_graph,
    validation_receiver,
)

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))
MONDAY = (NOW + timedelta(days=7 - NOW.weekday() + 7)).replace(hour=9, minute=0, second=0)


def hours(n: int) -> datetime:
    return NOW + timedelta(hours=n)


def collect(
    provider: MicrosoftCalendarProvider, calendar_id: str, state: str | None
) -> tuple[list[RemoteEvent], str, int]:
    events: list[RemoteEvent] = []
    page: str | None = None
    pages = 0
    while True:
        answer = provider.changes(calendar_id, sync_state=state, window=WINDOW, page=page)
        pages += 1
        events.extend(answer.events)
        if answer.next_page is None:
            assert answer.sync_state is not None
            return events, answer.sync_state, pages
        page = answer.next_page


class TestCalendars:
    def test_lists_every_calendar_with_the_default_as_primary(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.add_calendar("Team", hex_color="#00ff00", can_edit=False, owner=("Bo", "bo@x.example"))
        calendars = {c.name: c for c in provider.list_calendars()}
        assert calendars["Calendar"].primary
        assert calendars["Calendar"].remote_id == ms.default_calendar_id
        assert not calendars["Team"].primary
        assert not calendars["Team"].writable
        assert calendars["Team"].colour == "#00ff00"


class TestDelta:
    def test_pages_are_followed_verbatim_to_the_delta_link(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ids = {
            ms.add_event(start=hours(i), end=hours(i) + timedelta(minutes=30))["id"]
            for i in range(1, 1201)
        }
        events, state, pages = collect(provider, ms.default_calendar_id, None)
        assert {e.remote_id for e in events} == ids
        # 1000 a page (and Graph's empty first page of a new round).
        assert pages <= 3
        assert state.startswith(ms.graph_url)

    def test_removed_items_are_deletions_and_idle_rounds_are_empty(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        gone = ms.add_event(start=hours(1), end=hours(2), subject="Gone")["id"]
        kept = ms.add_event(start=hours(3), end=hours(4), subject="Kept")["id"]
        _, state, _ = collect(provider, ms.default_calendar_id, None)
        ms.delete_event(gone)
        ms.edit_event(kept, subject="Renamed")
        changes, state, _ = collect(provider, ms.default_calendar_id, state)
        by_id = {e.remote_id: e for e in changes}
        assert by_id[gone].deleted
        assert not by_id[kept].deleted
        assert by_id[kept].payload["subject"] == "Renamed"
        before = ms.count("calendarView.delta")
        idle, _, _ = collect(provider, ms.default_calendar_id, state)
        assert idle == []
        assert ms.count("calendarView.delta") - before == 1

    def test_series_come_expanded_with_their_exception(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        series = ms.add_event(
            start=MONDAY,
            end=MONDAY + timedelta(hours=1),
            subject="Standup",
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {
                    "type": "numbered",
                    "startDate": MONDAY.date().isoformat(),
                    "numberOfOccurrences": 3,
                },
            },
        )
        second = ms.occurrence_id(series["id"], MONDAY + timedelta(days=1))
        ms.edit_event(second, showAs="free")
        events, _, _ = collect(provider, ms.default_calendar_id, None)
        instances = [e for e in events if e.recurring_event_id == series["id"]]
        assert len(instances) == 3
        assert series["id"] not in {e.remote_id for e in events}  # no master
        facts = {e.remote_id: provider.facts(e, host_zone="UTC") for e in instances}
        assert [f.busy for f in facts.values() if f].count(False) == 1
        assert facts[second] is not None
        assert not facts[second].busy

    @pytest.mark.parametrize(
        ("status", "code"),
        [(410, "SyncStateNotFound"), (400, "syncStateNotFound"), (410, "resyncRequired")],
    )
    def test_an_expired_delta_is_sync_state_expired(
        self,
        ms: MicrosoftGraphEmulator,
        provider: MicrosoftCalendarProvider,
        status: int,
        code: str,
    ) -> None:
        _, state, _ = collect(provider, ms.default_calendar_id, None)
        ms.expire_delta_tokens(status=status, code=code)
        with pytest.raises(SyncStateExpired):
            collect(provider, ms.default_calendar_id, state)


class TestBusyRules:
    @pytest.mark.parametrize(
        ("fields", "busy", "tentative"),
        [
            ({"showAs": "busy"}, True, False),
            ({"showAs": "oof"}, True, False),
            ({"showAs": "unknown"}, True, False),
            ({"showAs": "tentative"}, True, True),
            ({"showAs": "free"}, False, False),
            ({"showAs": "workingElsewhere"}, False, False),
            ({"showAs": "busy", "isCancelled": True}, False, False),
        ],
    )
    def test_show_as_and_cancelled(
        self,
        ms: MicrosoftGraphEmulator,
        provider: MicrosoftCalendarProvider,
        fields: dict[str, object],
        busy: bool,
        tentative: bool,
    ) -> None:
        ms.add_event(start=hours(1), end=hours(2), subject="x", **fields)
        events, _, _ = collect(provider, ms.default_calendar_id, None)
        facts = provider.facts(events[0], host_zone="UTC")
        assert facts is not None
        assert (facts.busy, facts.tentative) == (busy, tentative)
        assert (facts.start, facts.end) == (hours(1), hours(2))

    @pytest.mark.parametrize("sensitivity", ["private", "confidential"])
    def test_private_events_block_without_a_title(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider, sensitivity: str
    ) -> None:
        ms.add_event(start=hours(1), end=hours(2), subject="Doctor", sensitivity=sensitivity)
        events, _, _ = collect(provider, ms.default_calendar_id, None)
        facts = provider.facts(events[0], host_zone="UTC")
        assert facts is not None
        assert (facts.busy, facts.private, facts.title) == (True, True, None)

    def test_all_day_events_cover_the_day_in_the_hosts_zone(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        day = (NOW + timedelta(days=3)).date()
        ms.add_event(start=day, end=day + timedelta(days=1), subject="Offsite")
        events, _, _ = collect(provider, ms.default_calendar_id, None)
        facts = provider.facts(events[0], host_zone="America/New_York")
        assert facts is not None
        assert facts.all_day
        new_york = ZoneInfo("America/New_York")
        assert facts.start == datetime.combine(day, time(0), new_york)
        assert facts.end == datetime.combine(day + timedelta(days=1), time(0), new_york)

    def test_an_event_missing_its_times_is_unreadable_not_a_crash(self) -> None:
        # The planner drops a MalformedEventError (a ValueError) as unreadable.
        with pytest.raises(MalformedEventError):
            event_facts({"id": "x", "showAs": "busy", "start": {}}, host_zone="UTC")


class TestWrites:
    @pytest.fixture
    def writer(self, ms: MicrosoftGraphEmulator, app: MicrosoftApp) -> MicrosoftCalendarProvider:
        return MicrosoftCalendarProvider(app, consent_tokens(ms, app, ("Calendars.ReadWrite",)))

    def test_a_read_only_grant_cannot_write(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        body = {"subject": "x", "start": {"dateTime": hours(1).isoformat()},
                "end": {"dateTime": hours(2).isoformat()}}  # fmt: skip
        with pytest.raises(InsufficientScope):
            provider.create_event(ms.default_calendar_id, body)

    def test_graph_fields_and_neutral_fields_both_write(
        self, ms: MicrosoftGraphEmulator, writer: MicrosoftCalendarProvider
    ) -> None:
        created = writer.create_event(
            ms.default_calendar_id,
            {"summary": "Ours", "start": {"dateTime": hours(1).isoformat()},
             "end": {"dateTime": hours(2).isoformat()}, "transparency": "transparent"},
        )  # fmt: skip
        stored = ms.event(created.remote_id)
        assert (stored["subject"], stored["showAs"]) == ("Ours", "free")
        updated = writer.update_event(
            ms.default_calendar_id, created.remote_id, {"subject": "Ours v2"}, etag=created.etag
        )
        assert ms.event(created.remote_id)["subject"] == "Ours v2"
        with pytest.raises(PreconditionFailed):
            writer.delete_event(ms.default_calendar_id, created.remote_id, etag=created.etag)
        writer.delete_event(ms.default_calendar_id, created.remote_id, etag=updated.etag)
        with pytest.raises(RemoteNotFound):
            writer.delete_event(ms.default_calendar_id, created.remote_id, etag=None)


class TestSubscriptions:
    def test_subscribe_with_client_state_and_delete(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        with validation_receiver() as receiver:
            channel = provider.watch(
                ms.default_calendar_id,
                channel_id="ch-1",
                address=receiver.url,
                token="s3cret",
                expires_at=NOW + timedelta(days=7),
            )
            (subscription,) = ms.subscriptions
            assert subscription["clientState"] == "s3cret"
            assert subscription["notificationUrl"] == receiver.url + "?channel=ch-1"
            assert subscription["id"] == channel.resource_id
            # Graph keeps event subscriptions under 3 days: asked for less than that.
            assert channel.expires_at <= NOW + timedelta(minutes=4230)
            ms.add_event(start=hours(1), end=hours(2), subject="ping")
            ms.wait_for_deliveries()
            assert any(b"s3cret" in body for body in receiver.notifications)
            provider.stop_watch(channel)
            assert ms.subscriptions == []

    def test_a_receiver_that_fails_validation_is_refused(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        with pytest.raises(ProviderError) as caught:
            provider.watch(
                ms.default_calendar_id,
                channel_id="ch-2",
                address="http://127.0.0.1:9/webhooks/microsoft",
                token="t",
                expires_at=NOW + timedelta(days=1),
            )
        assert caught.value.http_status == 400


class TestFailures:
    def test_401_refreshes_once_then_retries(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.expire_access_tokens()
        assert provider.list_calendars()
        assert ms.count("token") == 2  # the consent's and the refresh

    def test_refresh_before_expiry(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        soon = OAuthTokens(tokens.access_token, "", NOW + timedelta(minutes=1), tokens.scope,
                           tokens.cache)  # fmt: skip
        provider = MicrosoftCalendarProvider(app, soon)
        provider.list_calendars()
        assert provider.tokens.access_token != tokens.access_token

    def test_a_revoked_grant_is_revoked(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.revoke_refresh_token()
        ms.expire_access_tokens()
        with pytest.raises(Revoked):
            provider.list_calendars()

    def test_a_second_401_is_auth_expired(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.fail_next(2, 401)
        with pytest.raises(AuthExpired):
            provider.list_calendars()

    def test_403_is_insufficient_scope(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.fail_next(1, 403)
        with pytest.raises(InsufficientScope):
            provider.list_calendars()

    def test_404_is_not_found(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        with pytest.raises(RemoteNotFound):
            provider.changes("AAMkAGnosuchcalendar", sync_state=None, window=WINDOW)

    def test_412_is_precondition_failed(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider
    ) -> None:
        ms.fail_next(1, 412, "ErrorIrresolvableConflict")
        with pytest.raises(PreconditionFailed):
            provider.list_calendars()

    @pytest.mark.parametrize("status", [429, 503])
    def test_throttling_carries_retry_after(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider, status: int
    ) -> None:
        ms.fail_next(1, status, retry_after=17, operation="calendarView.delta")
        with pytest.raises(RateLimited) as caught:
            provider.changes(ms.default_calendar_id, sync_state=None, window=WINDOW)
        assert caught.value.retry_after == 17

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_server_errors_are_unavailable(
        self, ms: MicrosoftGraphEmulator, provider: MicrosoftCalendarProvider, status: int
    ) -> None:
        ms.fail_next(1, status)
        with pytest.raises(Unavailable) as caught:
            provider.list_calendars()
        assert not isinstance(caught.value, RateLimited)

    def test_a_timeout_is_unavailable(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        impatient = MicrosoftCalendarProvider(replace(app, timeout=0.2), tokens)
        ms.set_latency(0.5)
        try:
            with pytest.raises(Unavailable):
                impatient.list_calendars()
        finally:
            ms.set_latency(0)

    def test_an_unreachable_graph_is_unavailable(
        self, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        gone = MicrosoftCalendarProvider(replace(app, graph_url="https://127.0.0.1:9/v1.0"), tokens)
        with pytest.raises(Unavailable):
            gone.list_calendars()


class TestBadReplies:
    @pytest.mark.parametrize(
        "body",
        [
            b"<html>proxy error</html>",
            b"[1, 2]",
            b'{"@odata.context": "x"}',  # no value list
            b'{"value": []}',  # a delta page with neither link
            b'{"value": [], "@odata.deltaLink": 42}',  # a link that is no URL
        ],
    )
    def test_an_unreadable_reply_is_bad_response(
        self, app: MicrosoftApp, tokens: OAuthTokens, body: bytes
    ) -> None:
        with fake_graph(body) as url:
            provider = MicrosoftCalendarProvider(replace(app, graph_url=url), tokens)
            with pytest.raises(BadResponse):
                provider.changes("cal", sync_state=None, window=WINDOW)

    def test_items_without_an_id_are_skipped(self, app: MicrosoftApp, tokens: OAuthTokens) -> None:
        body = b'{"value": [{"subject": "no id"}, {"id": "a"}], "@odata.deltaLink": "https://x/"}'
        with fake_graph(body) as url:
            provider = MicrosoftCalendarProvider(replace(app, graph_url=url), tokens)
            page = provider.changes("cal", sync_state=None, window=WINDOW)
        assert [e.remote_id for e in page.events] == ["a"]
