"""A Zoom meeting per booking, made, moved and deleted by outbox jobs against the Zoom
emulator; Zoom failing in every documented way never loses or delays a booking."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx
import pytest

from booking.event_types.schemas import EventType
from integrations.outbox import OutboxRunner
from integrations.video import repository, service
from integrations.video.environment import VideoEnvironment
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import (
    book,
    book_for_links,
    emails,
    invite_event,
    job,
    later,
    stored,
    text_of,
)


@pytest.mark.usefixtures("intro")
async def test_a_booking_gets_its_meeting_and_every_message_carries_the_link(
    client: httpx.AsyncClient, ada: SignedIn, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    uid = await book(client)
    assert await emails(uid, 0) == {}, "the confirmation waits for the meeting job"
    await runner.drain()

    row = await stored(uid)
    ((meeting_id, meeting),) = zoom.meetings.items()
    assert (row.video_url, row.video_meeting_id) == (meeting["join_url"], str(meeting_id))
    assert meeting["topic"] == "Intro call with Grace Hopper"
    assert (meeting["start_time"], meeting["duration"]) == ("2026-03-02T09:00:00Z", 30)
    assert meeting["timezone"] == "Europe/Berlin", "the host's zone"
    assert meeting["agenda"].startswith(f"[rdv:{uid}]\n")
    assert "Let's talk compilers." in meeting["agenda"]

    mails = await emails(uid, 0)
    assert set(mails) == {"invitee", "host"}
    for message in mails.values():
        assert meeting["join_url"] in text_of(message)
        event = invite_event(message)
        assert str(event["LOCATION"]) == meeting["join_url"]
        assert meeting["join_url"] in str(event["DESCRIPTION"])
    assert (await job("video.create", uid))["status"] == "done"

    host_view = await client.get(f"/api/v1/bookings/{uid}", headers=ada.headers)
    assert host_view.json()["video_url"] == meeting["join_url"]


@pytest.mark.usefixtures("intro")
async def test_the_confirmation_page_and_the_public_api_show_the_link(
    client: httpx.AsyncClient, runner: OutboxRunner, zoom: ZoomEmulator
) -> None:
    booked = await book_for_links(client)
    await runner.drain()
    (meeting,) = zoom.meetings.values()
    page = urlsplit(booked["links"]["booking_url"])
    token = page.query.removeprefix("token=")
    public = await client.get(f"/api/v1/public/bookings/{booked['uid']}", params={"token": token})
    assert public.json()["video_url"] == meeting["join_url"]
    html = await client.get(f"{page.path}?{page.query}", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert f'href="{meeting["join_url"]}"' in html.text


async def test_the_meeting_follows_a_reschedule_and_a_cancellation(
    client: httpx.AsyncClient, ada: SignedIn, runner: OutboxRunner, zoom: ZoomEmulator,
    intro: EventType,
) -> None:  # fmt: skip
    uid = await book(client)
    await runner.drain()
    (meeting_id,) = zoom.meetings

    moved = await client.post(
        f"/api/v1/bookings/{uid}/reschedule",
        json={"start": "2026-03-03T10:00:00Z", "reason": ""},
        headers=ada.headers,
    )
    assert moved.status_code == 200, moved.text
    await runner.drain()
    assert zoom.meetings[meeting_id]["start_time"] == "2026-03-03T10:00:00Z"
    rescheduled = await emails(uid, 1, "rescheduled")
    assert zoom.meetings[meeting_id]["join_url"] in text_of(rescheduled["invitee"])

    cancelled = await client.post(
        f"/api/v1/bookings/{uid}/cancel", json={"reason": "ill"}, headers=ada.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await runner.drain()
    assert zoom.meetings == {}
    assert (await job("video.delete", uid))["status"] == "done"


@pytest.mark.usefixtures("intro")
async def test_cancelling_a_meeting_already_deleted_in_zoom_is_fine(
    client: httpx.AsyncClient,
    ada: SignedIn,
    runner: OutboxRunner,
    zoom: ZoomEmulator,
    video: VideoEnvironment,
) -> None:
    uid = await book(client)
    await runner.drain()
    (meeting_id,) = zoom.meetings
    await _delete_in_zoom(video, ada.host.id, meeting_id)

    cancelled = await client.post(
        f"/api/v1/bookings/{uid}/cancel", json={"reason": ""}, headers=ada.headers
    )
    assert cancelled.status_code == 200
    await runner.drain()
    delete = await job("video.delete", uid)
    assert (delete["status"], delete["last_error"]) == ("done", "")
    assert ("DELETE", f"/v2/meetings/{meeting_id}") in zoom.requests


async def test_cancelling_before_zoom_answered_deletes_what_the_lost_create_made(
    client: httpx.AsyncClient,
    ada: SignedIn,
    runner: OutboxRunner,
    impatient: OutboxRunner,
    zoom: ZoomEmulator,
    intro: EventType,
) -> None:
    uid = await book(client)
    zoom.set_latency(0.3)
    await impatient.drain()
    zoom.set_latency(0)
    assert len(zoom.meetings) == 1, "Zoom made it; the answer was lost"
    assert (await stored(uid)).video_meeting_id is None

    await client.post(f"/api/v1/bookings/{uid}/cancel", json={"reason": ""}, headers=ada.headers)
    await runner.drain()
    assert zoom.meetings == {}, "found by its marker and deleted"
    with later(minutes=5):
        await runner.drain()
    assert (await job("video.create", uid))["status"] == "done", "a cancelled booking needs none"
    assert zoom.meetings == {}


async def _delete_in_zoom(video: VideoEnvironment, host_id: int, meeting_id: int) -> None:
    """The host deletes the meeting in Zoom's own app."""
    account = await repository.of_host(host_id)
    assert account is not None
    with service.zoom_client(video, account) as zoom_client:
        await asyncio.to_thread(zoom_client.delete_meeting, meeting_id, missing_ok=False)
