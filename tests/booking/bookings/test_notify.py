"""Who hears of a booking, through the booking API: the invitee, the host and every
guest, for the booking, its reschedule and its cancellation; and which of those
e-mails carry the invitee's signed link.

Time is frozen on Monday 2026-03-02 07:00 UTC; Ada works 09:00-17:00 Europe/Berlin.
"""

from __future__ import annotations

import base64
import email
import email.policy
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import time_machine
from icalendar import Calendar

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.outbox import service as outbox
from tests.conftest import SignedIn

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
GUESTS = ["alan@example.org", "kim@example.net"]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def intro(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro call", slug="intro", duration_minutes=30)
    )


async def book(client: httpx.AsyncClient, **extra: object) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/public/ada/intro/bookings",
        json={
            "start": "2026-03-02T09:00:00Z",
            "name": "Zoë Müller",
            "email": "zoe@example.com",
            "time_zone": "America/New_York",
            "notes": "Bring the engine plans.",
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    booked: dict[str, Any] = response.json()
    return booked


async def mails_by_recipient() -> dict[str, list[EmailMessage]]:
    """Every queued e-mail, parsed from the bytes the SMTP server will get."""
    found: dict[str, list[EmailMessage]] = defaultdict(list)
    for job in await outbox.jobs_of_kind("email"):
        message = email.message_from_bytes(
            base64.b64decode(job["payload"]["message"]), policy=email.policy.default
        )
        assert isinstance(message, EmailMessage)
        found[job["payload"]["to"]].append(message)
    for messages in found.values():
        messages.sort(key=lambda m: int(event_of(m)[1]["SEQUENCE"]))
    return found


def event_of(message: EmailMessage) -> Any:
    [attachment] = message.iter_attachments()
    calendar = Calendar.from_ical(attachment.get_content())
    return calendar, next(iter(calendar.walk("VEVENT")))


def readable(message: EmailMessage) -> str:
    """All a recipient's software can read: headers and every decoded part."""
    texts = [str(value) for value in message.values()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8"))
    return "\n".join(texts)


def plain(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.usefixtures("intro")
async def test_every_guest_gets_the_invitation_its_update_and_its_cancellation(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    booked = await book(client, guests=GUESTS)
    uid = booked["uid"]
    token = booked["links"]["cancel_url"].split("token=")[1]
    moved = await client.post(
        f"/api/v1/bookings/{uid}/reschedule",
        json={"start": "2026-03-02T10:00:00Z", "reason": "Clash"},
        headers=ada.headers,
    )
    assert moved.status_code == 200, moved.text
    cancelled = await client.post(
        f"/api/v1/public/bookings/{uid}/cancel", params={"token": token}, json={"reason": "Ill"}
    )
    assert cancelled.status_code == 200, cancelled.text

    mails = await mails_by_recipient()
    assert set(mails) == {"zoe@example.com", "ada@example.com", *GUESTS}
    for recipient, messages in mails.items():
        assert [m["Subject"].split(":")[0] for m in messages] == [
            "New booking" if recipient == "ada@example.com" else
            "Confirmed" if recipient == "zoe@example.com" else "Invitation",
            "Rescheduled",
            "Cancelled",
        ], recipient  # fmt: skip
        events = [event_of(m) for m in messages]
        assert [str(c["METHOD"]) for c, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
        assert {str(e["UID"]) for _, e in events} == {f"{uid}@rendezvous"}
        assert [int(e["SEQUENCE"]) for _, e in events] == [0, 1, 2]
    for guest in GUESTS:
        invitation, rescheduled, cancellation = mails[guest]
        assert invitation["To"] == guest, "one recipient per message"
        assert "Zoë Müller invited you to Intro call with Ada Lovelace." in plain(invitation)
        # The invitee's zone: 09:00 UTC is 04:00 in New York.
        assert "04:00 \N{EN DASH} 04:30 (America/New_York)" in plain(invitation)
        assert "Previously: Mon, 2 Mar 2026 at 04:00 (America/New_York)" in plain(rescheduled)
        assert "Ill" in plain(cancellation)
        for message in mails[guest]:
            assert token not in readable(message), "the invitee's link lets its holder cancel"
    assert token in readable(mails["zoe@example.com"][0]), "the invitee does get it"


@pytest.mark.usefixtures("intro")
async def test_a_cancelled_invite_carries_no_live_signed_link(client: httpx.AsyncClient) -> None:
    booked = await book(client, guests=GUESTS)
    uid, token = booked["uid"], booked["links"]["cancel_url"].split("token=")[1]
    cancelled = await client.post(
        f"/api/v1/public/bookings/{uid}/cancel", params={"token": token}, json={}
    )
    assert cancelled.status_code == 200, cancelled.text

    mails = await mails_by_recipient()
    cancellations = [messages[-1] for messages in mails.values()]
    assert len(cancellations) == 4
    for message in cancellations:
        assert message["Subject"].startswith("Cancelled:")
        assert token not in readable(message)
        assert f"/booking/{uid}" not in readable(message)
        _, event = event_of(message)
        assert "URL" not in event
    # The invite the invitee downloads by link is the same cancelled one.
    ics = await client.get(f"/api/v1/public/bookings/{uid}/invite.ics", params={"token": token})
    assert "METHOD:CANCEL" in ics.text
    assert token not in ics.text


@pytest.mark.usefixtures("intro")
async def test_a_guest_who_is_also_invitee_or_host_gets_one_email(
    client: httpx.AsyncClient,
) -> None:
    await book(client, guests=["ZOE@example.com", "ada@example.com", "alan@example.org"])

    mails = await mails_by_recipient()
    assert sorted(mails) == ["ada@example.com", "alan@example.org", "zoe@example.com"]
    assert all(len(messages) == 1 for messages in mails.values())
