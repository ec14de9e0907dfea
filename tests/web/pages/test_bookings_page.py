"""The host's bookings pages: the lists and their filters, and cancelling and
rescheduling from a booking's page with the API's rules and e-mails.

Time is frozen on Monday 2026-03-02 07:00 UTC. Ada works Mon-Fri 09:00-17:00 in
Europe/Berlin (UTC+1), so 09:00 UTC is 10:00 on her pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import time_machine
from litestar import Litestar

from booking.bookings import service as bookings
from booking.bookings.schemas import BookingCreate, PublicBooking
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.outbox import service as outbox
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LIST = "/dashboard/bookings"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def intro(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id,
        EventTypeCreate(
            title="Intro call",
            slug="intro",
            duration_minutes=30,
            buffer_after_minutes=15,
            location_kind="phone",
            location_value="+49 30 1234567",
        ),
    )


async def book(
    app: Litestar, start: str, name: str = "Grace Hopper", email: str = "grace@example.com"
) -> PublicBooking:
    return await bookings.book(
        "ada",
        "intro",
        BookingCreate(
            start=datetime.fromisoformat(start),
            name=name,
            email=email,
            time_zone="America/New_York",
            guests=["dan@example.com"],
        ),
        app.state.env,
    )


async def mails(prefix: str) -> list[tuple[str, str]]:
    """(recipient, subject without its date) of the queued e-mails starting ``prefix``."""
    return sorted(
        (job["payload"]["to"], job["payload"]["subject"].split(" on ")[0])
        for job in await outbox.jobs_of_kind("email")
        if job["payload"]["subject"].startswith(prefix)
    )


def rows(page: str) -> list[str]:
    """The list's rows as text, one line each."""
    found = re.findall(r"<tr>\s*<td data-label=\"When\">(.*?)</tr>", page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in (LIST, f"{LIST}/abc", "/dashboard/explain"):
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")


async def test_upcoming_and_past_lists_filtered_by_status_and_dates(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    monday = await book(app, "2026-03-02T09:00:00Z")
    tuesday = await book(app, "2026-03-03T09:00:00Z", "Alan Turing", "alan@example.com")
    await bookings.cancel(tuesday.uid, "Ill", app.state.env, host_id=ada.host.id)
    late = await book(app, "2026-03-10T13:00:00Z", "Edsger Dijkstra", "ewd@example.com")
    await bookings.attach_video(
        late.uid, "https://zoom.example/j/123", "123", app.state.env, announced=False
    )

    upcoming = await client.get(LIST)
    assert upcoming.status_code == 200
    assert rows(upcoming.text) == [
        "Monday, 2026-03-02, 10:00 to 10:30 Intro call Grace Hopper grace@example.com "
        "Guests: dan@example.com Confirmed +49 30 1234567",
        "Tuesday, 2026-03-03, 10:00 to 10:30 Intro call Alan Turing alan@example.com "
        "Guests: dan@example.com Cancelled +49 30 1234567",
        "Tuesday, 2026-03-10, 14:00 to 14:30 Intro call Edsger Dijkstra ewd@example.com "
        "Guests: dan@example.com Confirmed Zoom meeting",
    ]
    assert '<a href="https://zoom.example/j/123"' in upcoming.text
    assert f'href="{LIST}/{monday.uid}"' in upcoming.text
    assert "Europe/Berlin" in upcoming.text

    cancelled = await client.get(LIST, params={"status": "cancelled"})
    assert [r.split(" Intro")[0] for r in rows(cancelled.text)] == [
        "Tuesday, 2026-03-03, 10:00 to 10:30"
    ]
    # Dates are the host's: Tuesday 00:00-24:00 in Berlin.
    one_day = await client.get(LIST, params={"from": "2026-03-03", "to": "2026-03-03"})
    assert [r.split(" Intro")[0] for r in rows(one_day.text)] == [
        "Tuesday, 2026-03-03, 10:00 to 10:30"
    ]
    nothing = await client.get(LIST, params={"from": "2026-03-04", "to": "2026-03-09"})
    assert rows(nothing.text) == []
    assert "No upcoming bookings match these filters." in nothing.text

    bad = await client.get(LIST, params={"from": "tomorrow", "to": "2026-03-01"})
    assert bad.status_code == 422
    assert "Write a date as YYYY-MM-DD." in bad.text

    with time_machine.travel(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False):
        later = await client.get(LIST)
        assert [r.split(" Intro")[0] for r in rows(later.text)] == [
            "Tuesday, 2026-03-10, 14:00 to 14:30"
        ]
        past = await client.get(LIST, params={"show": "past"})
        assert [r.split(" Intro")[0] for r in rows(past.text)] == [
            "Tuesday, 2026-03-03, 10:00 to 10:30",
            "Monday, 2026-03-02, 10:00 to 10:30",
        ], "the latest first"
        confirmed_past = await client.get(LIST, params={"show": "past", "status": "confirmed"})
        assert len(rows(confirmed_past.text)) == 1


async def test_cancel_asks_to_confirm_then_sends_the_apis_emails(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    by_page = await book(app, "2026-03-02T09:00:00Z")
    by_api = await book(app, "2026-03-02T11:00:00Z")
    page = f"{LIST}/{by_page.uid}"
    token = await csrf_token(client, page)

    asked = await client.post(f"{page}/cancel", data={"reason": "Flu", "_csrf_token": token})
    assert asked.status_code == 200
    assert "Cancel this booking?" in asked.text
    assert "with your reason: “Flu”" in asked.text
    assert (await bookings.get_for_host(ada.host.id, by_page.uid, app.state.env)).status == (
        "confirmed"
    ), "nothing happens before the host confirms"
    assert await mails("Cancelled") == []

    done = await client.post(
        f"{page}/cancel", data={"reason": "Flu", "confirm": "yes", "_csrf_token": token}
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{page}?done=cancelled"
    shown = await client.get(done.headers["location"])
    assert "The booking is cancelled." in shown.text
    assert "Cancelled</span>: Flu" in shown.text
    cancelled = await bookings.get_for_host(ada.host.id, by_page.uid, app.state.env)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Flu")
    assert cancelled.activity_id is None, "its activity is gone, as through the API"
    from_page = await mails("Cancelled")
    assert [to for to, _ in from_page] == [
        "ada@example.com",
        "dan@example.com",
        "grace@example.com",
    ]

    api = await client.post(
        f"/api/v1/bookings/{by_api.uid}/cancel", json={"reason": "Flu"}, headers=ada.headers
    )
    assert api.status_code == 200
    assert await mails("Cancelled") == sorted(from_page * 2), "the same e-mails as the API's"

    again = await client.post(
        f"{page}/cancel", data={"reason": "", "confirm": "yes", "_csrf_token": token}
    )
    assert again.status_code == 409
    assert "This booking is already cancelled." in again.text


async def test_reschedule_to_a_free_slot_of_the_day_with_refusals_inline(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    moving = await book(app, "2026-03-02T09:00:00Z")
    other = await book(app, "2026-03-02T11:00:00Z", "Alan Turing", "alan@example.com")
    page = f"{LIST}/{moving.uid}"

    shown = await client.get(page)
    assert shown.status_code == 200
    offered = re.findall(r'name="start" value="([^"]+)" required> (\d\d:\d\d)', shown.text)
    # Its own 10:00 is free for it (shown, not offered: it is there already); Alan's
    # 12:00 (and 11:30, whose buffer reaches it) is not.
    assert 'value="2026-03-02T09:00:00Z" disabled> 10:00 <small>now' in shown.text
    assert ("2026-03-02T09:00:00Z", "10:00") not in offered
    assert ("2026-03-02T09:30:00Z", "10:30") in offered
    assert ("2026-03-02T11:00:00Z", "12:00") not in offered
    assert ("2026-03-02T10:30:00Z", "11:30") not in offered
    tuesday = await client.get(page, params={"day": "2026-03-03"})
    assert 'name="start" value="2026-03-03T08:00:00Z" required> 09:00' in tuesday.text

    token = await csrf_token(client, page)
    taken = await client.post(
        f"{page}/reschedule",
        data={"start": "2026-03-02T11:00:00Z", "reason": "Clash", "_csrf_token": token},
    )
    assert taken.status_code == 409
    assert "This time is no longer available. Please pick another slot." in taken.text
    assert ">Clash</textarea>" in taken.text, "the reason is kept to try again"
    past = await client.post(
        f"{page}/reschedule", data={"start": "2026-03-02T06:00:00Z", "_csrf_token": token}
    )
    assert past.status_code == 422
    assert "The new time is in the past." in past.text
    none = await client.post(f"{page}/reschedule", data={"_csrf_token": token})
    assert none.status_code == 422
    assert "Choose one of the free times." in none.text
    assert await mails("Rescheduled") == []

    moved = await client.post(
        f"{page}/reschedule",
        data={"start": "2026-03-03T08:00:00Z", "reason": "Clash", "_csrf_token": token},
    )
    assert moved.status_code == 303
    shown = await client.get(moved.headers["location"])
    assert "The booking is moved to its new time." in shown.text
    assert "Tuesday, 2026-03-03, 09:00 to 09:30" in shown.text
    now = await bookings.get_for_host(ada.host.id, moving.uid, app.state.env)
    assert now.start == datetime(2026, 3, 3, 8, tzinfo=UTC)
    from_page = await mails("Rescheduled")
    assert [to for to, _ in from_page] == [
        "ada@example.com",
        "dan@example.com",
        "grace@example.com",
    ]
    api = await client.post(
        f"/api/v1/bookings/{other.uid}/reschedule",
        json={"start": "2026-03-03T10:00:00Z", "reason": "Clash"},
        headers=ada.headers,
    )
    assert api.status_code == 200
    both = [
        (to.replace("alan@", "grace@"), subject.replace("Alan Turing", "Grace Hopper"))
        for to, subject in await mails("Rescheduled")
    ]
    assert sorted(both) == sorted(from_page * 2), "the same e-mails as the API's"

    cancelled = await bookings.cancel(other.uid, "", app.state.env, host_id=ada.host.id)
    assert cancelled.status == "cancelled"
    refused = await client.post(
        f"{LIST}/{other.uid}/reschedule",
        data={"start": "2026-03-03T12:00:00Z", "_csrf_token": token},
    )
    assert refused.status_code == 409
    assert "A cancelled booking cannot be rescheduled" in refused.text


async def test_another_hosts_booking_is_not_found(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    theirs = await book(app, "2026-03-02T09:00:00Z")
    await hosts.create(
        HostCreate(
            email="bob@example.com",
            slug="bob",
            time_zone="UTC",
            name="Bob",
            password=PASSWORD,
        )
    )
    await sign_in(client, "bob@example.com", PASSWORD)
    page = f"{LIST}/{theirs.uid}"
    assert (await client.get(page)).status_code == 404
    assert theirs.uid not in (await client.get(LIST)).text
    token = await csrf_token(client, "/dashboard")
    for action, data in (("cancel", {"confirm": "yes"}), ("reschedule", {"start": "x"})):
        refused = await client.post(f"{page}/{action}", data={**data, "_csrf_token": token})
        assert refused.status_code == 404
    still = await bookings.get_for_host(ada.host.id, theirs.uid, app.state.env)
    assert still.status == "confirmed"


async def test_forms_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, app: Litestar, ada: SignedIn, intro: EventType
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    booked = await book(app, "2026-03-02T09:00:00Z")
    forged = await client.post(f"{LIST}/{booked.uid}/cancel", data={"confirm": "yes"})
    assert forged.status_code == 403
    still = await bookings.get_for_host(ada.host.id, booked.uid, app.state.env)
    assert still.status == "confirmed"
