"""Zoom down, slow, rate limited or revoked: the booking is confirmed at once, the
invitee hears without delay, and the link follows when the meeting exists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from booking.outbox import service as outbox
from integrations.accounts.tokens import OAuthTokens
from integrations.outbox import OutboxRunner
from integrations.video import repository
from integrations.video.environment import VideoEnvironment
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import (
    NOW,
    book,
    emails,
    invite_event,
    job,
    later,
    stored,
    text_of,
)

pytestmark = pytest.mark.usefixtures("intro")


async def test_zoom_down_sends_the_confirmation_at_once_and_the_link_when_it_exists(
    client: httpx.AsyncClient, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.fail_next(1, 500, path_contains="/meetings")
    uid = await book(client)
    await runner.drain()

    without = await emails(uid, 0)
    assert set(without) == {"invitee", "host"}, "nobody waits for Zoom"
    assert "zoom.us" not in text_of(without["invitee"])
    assert "LOCATION" not in invite_event(without["invitee"])
    create = await job("video.create", uid)
    assert (create["status"], create["attempts"]) == ("pending", 1)
    assert "500" in create["last_error"]
    assert NOW < create["next_attempt_at"] <= NOW + timedelta(seconds=30)

    with later(minutes=1):
        await runner.drain()
        await runner.drain()
    ((meeting),) = zoom.meetings.values()
    row = await stored(uid)
    assert (row.video_url, row.sequence) == (meeting["join_url"], 1)
    linked = await emails(uid, 1)
    assert set(linked) == {"invitee", "host"}
    assert meeting["join_url"] in text_of(linked["invitee"])
    event = invite_event(linked["invitee"])
    assert (str(event["LOCATION"]), int(event["SEQUENCE"])) == (meeting["join_url"], 1)
    assert (await job("video.create", uid))["status"] == "done"


async def test_a_reschedule_while_zoom_is_down_is_what_the_meeting_gets(
    client: httpx.AsyncClient, ada: SignedIn, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.fail_next(2, 503, path_contains="/meetings")
    uid = await book(client)
    await runner.drain()
    moved = await client.post(
        f"/api/v1/bookings/{uid}/reschedule",
        json={"start": "2026-03-03T10:00:00Z", "reason": ""},
        headers=ada.headers,
    )
    assert moved.status_code == 200
    with later(minutes=1):
        await runner.drain()
    assert zoom.meetings == {}, "the second attempt failed too"
    assert await emails(uid, 1) == {}, "the rescheduled e-mails told them; no second 'Confirmed'"

    with later(minutes=10):
        await runner.drain()
    ((meeting),) = zoom.meetings.values()
    assert meeting["start_time"] == "2026-03-03T10:00:00Z"
    assert (await stored(uid)).sequence == 2
    assert meeting["join_url"] in text_of((await emails(uid, 2))["invitee"])


async def test_a_create_whose_answer_was_lost_is_found_again_not_duplicated(
    client: httpx.AsyncClient, impatient: OutboxRunner, zoom: ZoomEmulator
) -> None:
    uid = await book(client)
    zoom.set_latency(0.3)
    await impatient.drain()
    zoom.set_latency(0)
    assert "did not answer" in (await job("video.create", uid))["last_error"]

    with later(minutes=1):
        await impatient.drain()
    ((meeting_id, meeting),) = zoom.meetings.items()
    assert zoom.requests.count(("POST", "/v2/users/me/meetings")) == 1
    row = await stored(uid)
    assert (row.video_meeting_id, row.video_url) == (str(meeting_id), meeting["join_url"])
    assert meeting["join_url"] in text_of((await emails(uid, 1))["invitee"])


async def test_a_rate_limit_is_retried_when_zoom_says(
    client: httpx.AsyncClient, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.fail_next(1, 429, retry_after=120, path_contains="/meetings")
    uid = await book(client)
    await runner.drain()
    assert (await job("video.create", uid))["next_attempt_at"] == NOW + timedelta(seconds=120)

    with later(seconds=119):
        await runner.drain()
    assert zoom.meetings == {}
    with later(seconds=120):
        await runner.drain()
    assert len(zoom.meetings) == 1
    assert (await stored(uid)).video_url is not None


async def test_the_daily_create_limit_is_retried_after_it_resets(
    client: httpx.AsyncClient, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.daily_create_limit = 1
    first = await book(client)
    second = await book(client, "2026-03-03T09:00:00Z", "Alan Turing")
    await runner.drain()
    assert (await stored(first)).video_url is not None
    create = await job("video.create", second)
    midnight = datetime(2026, 3, 3, tzinfo=UTC)
    assert (create["status"], create["next_attempt_at"]) == ("pending", midnight)
    assert "daily rate limit" in create["last_error"]
    assert "Alan Turing" in (await emails(second, 0))["host"]["Subject"]

    # 17 hours on, the access token has expired too: refreshed on the way.
    with time_machine.travel(midnight, tick=False):
        await runner.drain()
    assert len(zoom.meetings) == 2
    assert (await stored(second)).video_url is not None


async def test_a_revoked_grant_flags_the_account_tells_the_host_once_and_confirms(
    client: httpx.AsyncClient, ada: SignedIn, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.revoke_grant()
    uids = [await book(client), await book(client, "2026-03-02T10:00:00Z", "Alan Turing")]
    await runner.drain()

    account = await repository.of_host(ada.host.id)
    assert account is not None
    assert account.status == "reconnect_needed"
    assert "Invalid Token" in account.status_message
    reconnect = [
        j
        for j in await outbox.jobs_of_kind("email")
        if (j["dedupe_key"] or "").startswith("video-reconnect:")
    ]
    assert len(reconnect) == 1, "one e-mail however many bookings hit the dead grant"
    assert reconnect[0]["payload"]["to"] == "ada@example.com"
    assert reconnect[0]["status"] == "logged", "sent (logged without SMTP)"
    for uid in uids:
        assert set(await emails(uid, 0)) == {"invitee", "host"}
        create = await job("video.create", uid)
        assert create["status"] == "failed"
        assert "Zoom needs reconnecting" in create["last_error"]
        assert (await stored(uid)).status == "confirmed"
    api = await client.get("/api/v1/video-accounts", headers=ada.headers)
    assert api.json()[0]["status"] == "reconnect_needed"


async def test_rotated_refresh_tokens_are_stored_at_once(
    client: httpx.AsyncClient,
    ada: SignedIn,
    runner: OutboxRunner,
    zoom: ZoomEmulator,
    video: VideoEnvironment,
) -> None:
    before = await _stored_tokens(video, ada.host.id)
    uid = await book(client, "2026-03-02T15:00:00Z")
    with later(hours=2):
        await runner.drain()
        after = await _stored_tokens(video, ada.host.id)
        assert video.zoom is not None
        assert (await stored(uid)).video_url is not None
        assert after.refresh_token != before.refresh_token
        assert after.expires_at == NOW + timedelta(hours=3)
        # Only the newest refresh token works at Zoom: the stored one is it.
        assert (await asyncio.to_thread(video.zoom.refresh, after)).refresh_token
    assert zoom.requests.count(("POST", "/oauth/token")) == 3


async def _stored_tokens(video: VideoEnvironment, host_id: int) -> OAuthTokens:
    account = await repository.of_host(host_id)
    assert account is not None
    assert "refresh_token" not in account.credentials, "encrypted at rest"
    return OAuthTokens.from_dict(video.vault.decrypt(account.credentials))


async def test_a_refused_field_is_named_in_the_create_jobs_last_error(
    client: httpx.AsyncClient, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    zoom.fail_next(1, 400, errors={"timezone": "Invalid field."}, path_contains="/meetings")
    uid = await book(client)
    await runner.drain()

    create = await job("video.create", uid)
    assert create["status"] == "failed", "the same request would be refused again"
    assert create["last_error"] == (
        "creating the Zoom meeting: Zoom refused the meeting's time zone (timezone: Invalid field.)"
    )
    assert set(await emails(uid, 0)) == {"invitee", "host"}, "confirmed without a link"
    assert (await stored(uid)).status == "confirmed"


async def test_a_refused_field_is_named_in_the_update_jobs_last_error(
    client: httpx.AsyncClient, ada: SignedIn, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    uid = await book(client)
    await runner.drain()
    ((meeting_id, _),) = zoom.meetings.items()
    zoom.fail_next(
        1,
        400,
        errors={"start_time": "Invalid field.", "duration": "Invalid field."},
        path_contains=f"/meetings/{meeting_id}",
    )
    moved = await client.post(
        f"/api/v1/bookings/{uid}/reschedule",
        json={"start": "2026-03-03T10:00:00Z", "reason": ""},
        headers=ada.headers,
    )
    assert moved.status_code == 200
    await runner.drain()

    update = next(
        j for j in await outbox.jobs_of_kind("video.update") if j["payload"]["uid"] == uid
    )
    assert update["status"] == "failed"
    assert update["last_error"] == (
        f"moving Zoom meeting {meeting_id}: Zoom refused the meeting's start time"
        " (start_time: Invalid field.), the meeting's duration (duration: Invalid field.)"
    )
