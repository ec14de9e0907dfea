"""The public booking pages: host page, event page, confirmation, cancel, reschedule.

Time is frozen on Monday 2026-03-02 07:00 UTC; Ada (Europe/Berlin) works Mon-Fri
09:00-17:00, so 15:00 UTC that day is 16:00 for her and 10:00 in New York.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import time_machine
from litestar import Litestar

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostUpdate
from booking.validation import RESERVED_SLUGS, SLUG_RE
from tests.conftest import SignedIn

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HTML = {"Accept": "text/html"}
PUBLIC_URL = "http://127.0.0.1:8000"
SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>x</b>"
# How the confirmation spells 15:00-15:30 UTC in the invitee's zone (an en dash between).
NEW_YORK_TIME = 'Monday, 2 March 2026, <span class="nowrap">10:00 \u2013 10:30</span>'


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
            description="A first talk.",
            duration_minutes=30,
            location_kind="phone",
            location_value="+49 30 1234567",
        ),
    )


@pytest.fixture
async def secret(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id,
        EventTypeCreate(
            title="Secret board review", slug="secret", duration_minutes=60, hidden=True
        ),
    )


async def book(client: httpx.AsyncClient, **changes: object) -> dict[str, object]:
    body = {
        "start": "2026-03-02T15:00:00Z",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "time_zone": "America/New_York",
        "notes": "Let's talk compilers.",
        **changes,
    }
    response = await client.post("/api/v1/public/ada/intro/bookings", json=body)
    assert response.status_code == 201, response.text
    booked: dict[str, object] = response.json()
    return booked


def path_of(url: object) -> str:
    assert isinstance(url, str)
    assert url.startswith(PUBLIC_URL)
    return url.removeprefix(PUBLIC_URL)


def links(booked: dict[str, object]) -> dict[str, str]:
    found = booked["links"]
    assert isinstance(found, dict)
    return found


async def page(client: httpx.AsyncClient, path: str, status: int = 200) -> str:
    response = await client.get(path, headers=HTML)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def csrf_token(text: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', text)
    assert match, "every form carries a CSRF token"
    return match.group(1)


async def test_host_page_lists_listed_event_types_but_not_hidden_ones(
    client: httpx.AsyncClient, intro: EventType, secret: EventType
) -> None:
    text = await page(client, "/ada")
    assert "<h1>Ada Lovelace</h1>" in text
    assert 'href="/ada/intro"' in text
    assert "Intro call" in text
    assert "30 min" in text
    assert "Phone call" in text
    assert "A first talk." in text
    assert "Secret" not in text
    assert "/ada/secret" not in text
    assert "ada@example.com" not in text.lower(), "the host's e-mail is never shown"


@pytest.mark.parametrize("path", ["/nobody", "/nobody/intro", "/ada/nope", "/ada/secret"])
async def test_unknown_hosts_and_unknown_or_hidden_event_types_are_a_404_page(
    client: httpx.AsyncClient, intro: EventType, secret: EventType, path: str
) -> None:
    text = await page(client, path, status=404)
    assert "No such booking page." in text
    assert "Secret board review" not in text
    assert "data-host" not in text


async def test_event_page_carries_what_the_picker_needs(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    text = await page(client, "/ada/intro")
    assert "<h1>Intro call</h1>" in text
    assert "Ada Lovelace" in text
    assert "30 min" in text
    assert "Phone call" in text
    assert "+49 30" not in text, "the phone number is only given to invitees who booked"
    for attribute in (
        'data-mode="book"',
        'data-api="/api/v1/public"',
        'data-host="ada"',
        'data-event="intro"',
        'data-host-zone="Europe/Berlin"',
        'data-submit-url="/api/v1/public/ada/intro/bookings"',
    ):
        assert attribute in text
    assert '<script src="/static/booking.js" defer></script>' in text
    # The zone picker: labelled, the host's zone and UTC first, then the IANA regions.
    assert '<label for="zone">Time zone</label>' in text
    assert '<option value="Europe/Berlin">Europe/Berlin (host\'s zone)</option>' in text
    assert '<option value="UTC">UTC</option>' in text
    assert '<option value="America/New_York">America/New York</option>' in text
    assert '<option value="Asia/Kolkata">' in text
    assert 'value="US/Eastern"' not in text, "legacy aliases only lengthen the list"
    for control in ("name", "email", "guests", "notes"):
        assert f'<label for="{control}">' in text
        assert f'id="{control}" name="{control}"' in text


async def test_confirmation_page_shows_the_booking_and_its_four_links(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client)
    text = await page(client, path_of(links(booked)["booking_url"]))
    assert "You are scheduled" in text
    assert "Intro call" in text
    assert "Ada Lovelace" in text
    assert NEW_YORK_TIME in text, "the invitee's zone"
    assert "America/New_York" in text
    assert 'datetime="2026-03-02T15:00:00+00:00"' in text
    assert "+49 30 1234567" in text
    assert "Let&#39;s talk compilers." in text
    # Links within the site are relative (the server may be reached on another address
    # than PUBLIC_URL); Google's is absolute.
    for name in ("ics_url", "reschedule_url", "cancel_url"):
        assert f'href="{html.escape(path_of(links(booked)[name]))}"' in text, name
    assert f'href="{html.escape(links(booked)["google_calendar_url"])}"' in text
    assert PUBLIC_URL not in text


async def test_a_booking_that_has_begun_offers_no_cancel_or_reschedule(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client)
    with time_machine.travel(datetime(2026, 3, 2, 15, 10, tzinfo=UTC), tick=False):
        text = await page(client, path_of(links(booked)["booking_url"]))
        cancel = await page(client, path_of(links(booked)["cancel_url"]))
        reschedule = await page(client, path_of(links(booked)["reschedule_url"]))
    assert "You are scheduled" in text
    assert html.escape(path_of(links(booked)["cancel_url"])) not in text
    assert html.escape(path_of(links(booked)["reschedule_url"])) not in text
    assert "already begun" in cancel
    assert "<form" not in cancel
    assert "already begun" in reschedule
    assert "data-mode" not in reschedule


@pytest.mark.parametrize("suffix", ["", "/cancel", "/reschedule"])
async def test_a_wrong_token_or_unknown_booking_is_a_404_page(
    client: httpx.AsyncClient, intro: EventType, suffix: str
) -> None:
    booked = await book(client)
    for path in (
        f"/booking/{booked['uid']}{suffix}?token={'x' * 22}",
        f"/booking/{'0' * 32}{suffix}?token={'x' * 22}",
    ):
        text = await page(client, path, status=404)
        assert "No such booking." in text
        assert "Grace" not in text


async def test_invitee_text_is_escaped_on_the_confirmation_and_cancel_pages(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client, name=SCRIPT, notes=f"{BOLD}\n{SCRIPT}")
    for name in ("booking_url", "cancel_url"):
        text = await page(client, path_of(links(booked)[name]))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, name
        assert "&lt;b&gt;x&lt;/b&gt;" in text, name
        assert SCRIPT not in text, name
        assert BOLD not in text, name
    reschedule = await page(client, path_of(links(booked)["reschedule_url"]))
    assert SCRIPT not in reschedule


async def test_host_text_is_escaped_on_the_host_and_event_pages(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await hosts.update(ada.host.id, HostUpdate(name=SCRIPT))
    await event_types.create(
        ada.host.id,
        EventTypeCreate(title=BOLD, slug="bold", description=SCRIPT, duration_minutes=30),
    )
    for path in ("/ada", "/ada/bold"):
        text = await page(client, path)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert "&lt;b&gt;x&lt;/b&gt;" in text, path
        assert SCRIPT not in text, path
        assert BOLD not in text, path


async def test_cancel_page_cancels_and_shows_the_cancelled_booking(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client)
    cancel_path = path_of(links(booked)["cancel_url"])
    form = await page(client, cancel_path)
    assert "Cancel this meeting?" in form
    assert '<label for="reason">' in form
    assert f'action="{html.escape(cancel_path)}"' in form

    forged = await client.post(cancel_path, data={"reason": "no token"}, headers=HTML)
    assert forged.status_code == 403, "the form is CSRF-protected"

    response = await client.post(
        cancel_path,
        data={"reason": f"Sick {BOLD}", "_csrf_token": csrf_token(form)},
        headers=HTML,
    )
    assert response.status_code == 303
    assert response.headers["location"] == path_of(links(booked)["booking_url"])
    text = await page(client, response.headers["location"])
    assert "<h1>Cancelled</h1>" in text
    assert "Sick &lt;b&gt;x&lt;/b&gt;" in text
    assert BOLD not in text
    assert html.escape(path_of(links(booked)["cancel_url"])) not in text
    assert html.escape(path_of(links(booked)["ics_url"])) in text, "the .ics now removes the event"

    api = await client.get(
        f"/api/v1/public/bookings/{booked['uid']}",
        params={"token": links(booked)["cancel_url"].split("token=")[1]},
    )
    assert api.json()["status"] == "cancelled"
    assert api.json()["cancel_reason"] == f"Sick {BOLD}"

    again = await page(client, cancel_path)
    assert "It is already cancelled." in again
    assert "<form" not in again


async def test_a_failed_cancel_explains_why_and_keeps_the_reason(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client)
    cancel_path = path_of(links(booked)["cancel_url"])
    token = csrf_token(await page(client, cancel_path))
    # Cancelled meanwhile, e.g. from another tab.
    await client.post(
        f"/api/v1/public/bookings/{booked['uid']}/cancel",
        params={"token": links(booked)["cancel_url"].split("token=")[1]},
        json={},
    )
    response = await client.post(
        cancel_path, data={"reason": "Typed reason", "_csrf_token": token}, headers=HTML
    )
    assert response.status_code == 409
    assert "This booking is already cancelled." in response.text
    wrong = await client.post(
        cancel_path.replace("token=", "token=x"),
        data={"reason": "", "_csrf_token": token},
        headers=HTML,
    )
    assert wrong.status_code == 404


async def test_reschedule_page_offers_the_picker_for_the_bookings_event_type(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = await book(client)
    token = links(booked)["reschedule_url"].split("token=")[1]
    text = await page(client, path_of(links(booked)["reschedule_url"]))
    assert "Reschedule: Intro call" in text
    assert 'data-mode="reschedule"' in text
    assert 'data-host="ada"' in text
    assert 'data-event="intro"' in text
    assert 'data-host-zone="Europe/Berlin"' in text
    submit = f"/api/v1/public/bookings/{booked['uid']}/reschedule?token={token}"
    assert f'data-submit-url="{submit}"' in text
    assert NEW_YORK_TIME in text
    assert '<label for="reason">' in text

    await client.post(
        f"/api/v1/public/bookings/{booked['uid']}/cancel", params={"token": token}, json={}
    )
    cancelled = await page(client, path_of(links(booked)["reschedule_url"]))
    assert "cannot be rescheduled" in cancelled
    assert "data-mode" not in cancelled


async def test_existing_routes_are_not_taken_for_booking_pages(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    login = await page(client, "/login")
    assert "Sign in" in login
    dashboard = await client.get("/dashboard", headers=HTML)
    assert dashboard.status_code == 303
    assert dashboard.headers["location"] == "/login?next=%2Fdashboard"
    assert (await client.get("/schema")).status_code == 200
    assert (await client.get("/schema/openapi.json")).json()["info"]["title"] == "Rendezvous"
    assert (await client.get("/healthz")).status_code == 200
    script = await client.get("/static/booking.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert (await client.get("/static/booking.css")).status_code == 200
    api = await client.get("/api/v1/public/ada/intro")
    assert api.json()["event_type"]["slug"] == "intro"
    # /booking/{uid} is the booking page, not host "booking"'s event type {uid}.
    not_a_host = await page(client, "/booking/whatever?token=abc", status=404)
    assert "No such booking." in not_a_host
    assert "No such booking page." not in not_a_host


def test_every_top_level_route_is_a_reserved_slug(app: Litestar) -> None:
    # A static first segment wins over /{host_slug}: a host with that slug would be
    # unreachable, so each one must be a slug no host can take.
    first_segments = {route.path.split("/")[1] for route in app.routes}
    # A segment no slug can be (favicon.ico: no dots in a slug) cannot collide.
    static = {s for s in first_segments if SLUG_RE.fullmatch(s)}  # not "" ("/"), nor "{...}"
    assert static <= RESERVED_SLUGS, static - RESERVED_SLUGS
