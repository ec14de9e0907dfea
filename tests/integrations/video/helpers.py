"""Shared by the video tests: an app on the Zoom emulator, a connected account, and
readers for the booking e-mails the outbox holds."""

from __future__ import annotations

import base64
import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import time_machine
from icalendar import Calendar

from booking.bookings import service as bookings
from booking.bookings.records import BookingRecord
from booking.outbox import service as outbox
from integrations.video import service as video_service
from integrations.video.environment import ZOOM_CALLBACK_PATH, VideoEnvironment
from tests.emulators.zoom import ZoomEmulator
from web.settings import OAuthClient, Settings

PUBLIC_URL = "http://127.0.0.1:8000"
REDIRECT_URI = PUBLIC_URL + ZOOM_CALLBACK_PATH
#: Monday; Ada works 09:00-17:00 Europe/Berlin (UTC+1), so 08:00 UTC is her first slot.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
NINE = "2026-03-02T09:00:00Z"
BOOKINGS = "/api/v1/public/ada/intro/bookings"


def emulator(**options: Any) -> ZoomEmulator:
    return ZoomEmulator(redirect_uris=(REDIRECT_URI,), **options)


def zoom_settings(settings: Settings, zoom: ZoomEmulator) -> Settings:
    """Test settings with Zoom pointed at the emulator."""
    return replace(
        settings,
        public_url=PUBLIC_URL,
        zoom=OAuthClient(zoom.client_id, zoom.client_secret),
        zoom_authorize_url=zoom.authorize_url,
        zoom_token_url=zoom.token_url,
        zoom_revoke_url=zoom.revoke_url,
        zoom_api_base=zoom.api_base,
    )


async def follow(url: str) -> httpx.Response:
    """What a browser gets from the emulator (its consent page "allows" at once)."""
    async with httpx.AsyncClient() as browser:
        return await browser.get(url)


async def connect(video: VideoEnvironment, host_id: int) -> None:
    """Connect the host's Zoom through the real consent flow, minus the pages."""
    assert video.zoom is not None
    consent = video.zoom.begin(video.zoom_redirect_uri, ())
    answer = await follow(consent.url)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    await video_service.connect_zoom(video, host_id, consent.pending, {"code": code}, NOW)


def booking_body(start: str, name: str = "Grace Hopper") -> dict[str, object]:
    return {
        "start": start,
        "name": name,
        "email": "grace@example.com",
        "time_zone": "America/New_York",
        "notes": "Let's talk compilers.",
    }


async def book_for_links(
    client: httpx.AsyncClient, start: str = NINE, name: str = "Grace Hopper"
) -> dict[str, Any]:
    response = await client.post(BOOKINGS, json=booking_body(start, name))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "confirmed", "confirmed at once, whatever Zoom does"
    booked: dict[str, Any] = response.json()
    return booked


async def book(client: httpx.AsyncClient, start: str = NINE, name: str = "Grace Hopper") -> str:
    uid: str = (await book_for_links(client, start, name))["uid"]
    return uid


async def stored(uid: str) -> BookingRecord:
    row = await bookings.for_video(uid)
    assert row is not None
    return row


async def job(kind: str, uid: str) -> dict[str, Any]:
    return next(j for j in await outbox.jobs_of_kind(kind) if j["payload"]["uid"] == uid)


def later(**delta: float) -> time_machine.travel:
    return time_machine.travel(NOW + timedelta(**delta), tick=False)


async def emails(uid: str, sequence: int, kind: str = "confirmed") -> dict[str, EmailMessage]:
    """The booking's e-mails of one version, by audience (invitee, host)."""
    found: dict[str, EmailMessage] = {}
    for job in await outbox.jobs_of_kind("email"):
        key = job["dedupe_key"] or ""
        for audience in ("invitee", "host"):
            if key == f"email:{uid}:{sequence}:{kind}:{audience}":
                message = email.message_from_bytes(
                    base64.b64decode(job["payload"]["message"]), policy=email.policy.default
                )
                assert isinstance(message, EmailMessage)
                found[audience] = message
    return found


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def invite_event(message: EmailMessage) -> Any:
    """The VEVENT of the e-mail's .ics (parsed, so folded lines are joined)."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    return next(iter(calendar.walk("VEVENT")))
