"""The contract every calendar-provider adapter keeps (integrations.calendars.provider)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.accounts.errors import (
    AuthExpired,
    PreconditionFailed,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    SyncStateExpired,
    Unavailable,
)
from integrations.calendars.provider import RemoteEvent, SyncWindow
from tests.integrations.contract.conftest import Harness

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))


def hours(n: int) -> datetime:
    return NOW + timedelta(hours=n)


def collect(h: Harness, state: str | None) -> tuple[list[RemoteEvent], str]:
    events: list[RemoteEvent] = []
    page: str | None = None
    while True:
        answer = h.provider.changes(h.calendar_id, sync_state=state, window=WINDOW, page=page)
        events.extend(answer.events)
        if answer.next_page is None:
            assert answer.sync_state, "the last page carries the sync state"
            return events, answer.sync_state
        assert answer.sync_state is None, "no sync state before the last page"
        page = answer.next_page


def test_lists_calendars_with_the_primary(harness: Harness) -> None:
    calendars = harness.provider.list_calendars()
    primary = [c for c in calendars if c.primary]
    assert [c.remote_id for c in primary] == [harness.calendar_id]


def test_full_sync_then_changes_and_deletions(harness: Harness) -> None:
    first = harness.seed("First", hours(1), hours(2))
    second = harness.seed("Second", hours(3), hours(4))
    events, state = collect(harness, None)
    assert {e.remote_id for e in events} == {first, second}
    facts = harness.provider.facts(next(e for e in events if e.remote_id == first), host_zone="UTC")
    assert facts is not None
    assert (facts.start, facts.end, facts.busy) == (hours(1), hours(2), True)

    harness.edit(first, "Renamed")
    harness.remove(second)
    third = harness.seed("Third", hours(5), hours(6))
    changes, state = collect(harness, state)
    by_id = {e.remote_id: e for e in changes}
    assert set(by_id) == {first, second, third}
    assert by_id[second].deleted
    assert not by_id[first].deleted

    idle, _ = collect(harness, state)
    assert idle == []


def test_an_expired_sync_state_is_a_typed_error(harness: Harness) -> None:
    _, state = collect(harness, None)
    harness.expire_sync_state()
    with pytest.raises(SyncStateExpired):
        collect(harness, state)


def test_writes_honour_etag_preconditions(harness: Harness) -> None:
    body = {"summary": "Ours", "start": {"dateTime": hours(1).isoformat()},
            "end": {"dateTime": hours(2).isoformat()}}  # fmt: skip
    if harness.read_only:
        with pytest.raises(ProviderError, match="read-only"):
            harness.provider.create_event(harness.calendar_id, body)
        return
    created = harness.provider.create_event(harness.calendar_id, body)
    assert created.etag
    updated = harness.provider.update_event(
        harness.calendar_id, created.remote_id, {**body, "summary": "Ours v2"}, etag=created.etag
    )
    assert updated.etag != created.etag
    with pytest.raises(PreconditionFailed):
        harness.provider.update_event(
            harness.calendar_id, created.remote_id, body, etag=created.etag
        )
    with pytest.raises(PreconditionFailed):
        harness.provider.delete_event(harness.calendar_id, created.remote_id, etag=created.etag)
    harness.provider.delete_event(harness.calendar_id, created.remote_id, etag=updated.etag)


def test_missing_events_and_calendars_are_not_found(harness: Harness) -> None:
    body = {"summary": "x", "start": {"dateTime": hours(1).isoformat()},
            "end": {"dateTime": hours(2).isoformat()}}  # fmt: skip
    if not harness.read_only:
        with pytest.raises(RemoteNotFound):
            harness.provider.update_event(harness.calendar_id, "nosuchevent0", body, etag=None)
        with pytest.raises(RemoteNotFound):
            harness.provider.delete_event(harness.calendar_id, "nosuchevent0", etag=None)
    with pytest.raises(RemoteNotFound):
        harness.provider.changes("nosuch@example.com", sync_state=None, window=WINDOW)


def test_a_dead_grant_is_auth_expired(harness: Harness) -> None:
    harness.fail_next("auth")
    with pytest.raises(AuthExpired):
        harness.provider.list_calendars()


def test_rate_limits_carry_retry_after(harness: Harness) -> None:
    harness.fail_next("rate", retry_after=12)
    with pytest.raises(RateLimited) as caught:
        harness.provider.list_calendars()
    assert caught.value.retry_after == 12


def test_outages_are_unavailable(harness: Harness) -> None:
    harness.fail_next("unavailable")
    with pytest.raises(Unavailable):
        harness.provider.list_calendars()


def test_push_channels_start_and_stop(harness: Harness) -> None:
    if harness.push_address is None:
        pytest.skip("this provider has no push notifications")
    channel = harness.provider.watch(
        harness.calendar_id,
        channel_id="contract-channel-1",
        address=harness.push_address,
        token="t0ken",
        expires_at=hours(24),
    )
    assert channel.channel_id == "contract-channel-1"
    assert abs((channel.expires_at - hours(24)).total_seconds()) < 1
    harness.provider.stop_watch(channel)
    with pytest.raises(RemoteNotFound):
        harness.provider.stop_watch(channel)
