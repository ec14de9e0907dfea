"""The invitee's path through the public API: page, slots, book, cancel, reschedule.

Time is frozen on Monday 2026-03-02 07:00 UTC. Ada works Mon-Fri 09:00-17:00 in
Europe/Berlin (UTC+1 in early March), so her first slot that day is 08:00 UTC.
"""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis
import time_machine

from booking.activities import service as activities
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.outbox import service as outbox
from tests.conftest import REDIS_TEST_URL, SignedIn, serve_in_loop, unavailable
from tests.web.api.test_me import assert_problem
from web.app import create_app
from web.settings import Settings

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
BASE = "/api/v1/public/ada/intro"


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


def booking_body(start: str, **extra: object) -> dict[str, object]:
    return {
        "start": start,
        "name": "Grace Hopper",
        "email": "Grace@Example.com",
        "time_zone": "America/New_York",
        "notes": "Let's talk compilers.",
        **extra,
    }


async def slot_starts(client: httpx.AsyncClient, day: str = "2026-03-02") -> list[str]:
    response = await client.get(
        f"{BASE}/slots", params={"start": day, "end": day, "tz": "Europe/Berlin"}
    )
    assert response.status_code == 200, response.text
    return [s["start"] for s in response.json()["days"][0]["slots"]]


async def book(client: httpx.AsyncClient, start: str, **extra: object) -> httpx.Response:
    return await client.post(f"{BASE}/bookings", json=booking_body(start, **extra))


async def test_public_page_shows_the_event_type_and_nothing_private(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    response = await client.get(BASE)
    assert response.status_code == 200
    assert response.json() == {
        "host": {"name": "Ada Lovelace", "slug": "ada", "time_zone": "Europe/Berlin"},
        "event_type": {
            "title": "Intro call",
            "slug": "intro",
            "description": "",
            "duration_minutes": 30,
            "location_kind": "phone",
        },
    }


async def test_slots_are_grouped_by_the_viewers_dates(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    response = await client.get(
        f"{BASE}/slots", params={"start": "2026-03-01", "end": "2026-03-03", "tz": "Asia/Tokyo"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Asia/Tokyo"
    assert [d["date"] for d in body["days"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert body["days"][0]["slots"] == [], "Sunday in Tokyo is before 'now'"
    # Berlin 09:00 Monday = 17:00 Monday in Tokyo; the 30-minute grid runs to 16:30 Berlin,
    # and with the 15-minute buffer after, a slot plus buffer must still fit the day.
    monday = body["days"][1]["slots"]
    assert monday[0] == {"start": "2026-03-02T08:00:00Z", "end": "2026-03-02T08:30:00Z"}
    assert monday[-1]["start"] == "2026-03-02T14:30:00Z"  # 23:30 in Tokyo
    tuesday_tokyo = body["days"][2]["slots"]
    assert tuesday_tokyo[0]["start"] == "2026-03-02T15:00:00Z", "Monday 16:00 Berlin"


async def test_booking_takes_the_slot_and_records_contact_activity_and_emails(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    assert "2026-03-02T09:00:00Z" in await slot_starts(client)
    response = await book(client, "2026-03-02T10:00:00+01:00", guests=["dan@example.com"])
    assert response.status_code == 201, response.text
    booked = response.json()
    assert booked["status"] == "confirmed"
    assert (booked["start"], booked["end"]) == ("2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z")
    assert booked["location"] == "+49 30 1234567"
    assert booked["links"]["cancel_url"].startswith("http://127.0.0.1:8000/booking/")
    assert "token=" in booked["links"]["ics_url"]
    assert booked["links"]["google_calendar_url"].startswith("https://calendar.google.com/")

    starts = await slot_starts(client)
    assert "2026-03-02T09:00:00Z" not in starts
    assert "2026-03-02T09:30:00Z" not in starts, "the 15-minute buffer after blocks the next slot"
    assert "2026-03-02T08:30:00Z" not in starts, "a slot plus its buffer must not touch it"
    assert "2026-03-02T10:00:00Z" in starts

    host_view = await client.get(f"/api/v1/bookings/{booked['uid']}", headers=ada.headers)
    assert host_view.status_code == 200
    activity = await activities.get(ada.host.id, host_view.json()["activity_id"])
    assert activity.title == "Intro call with Grace Hopper"
    assert activity.activity_type.name == "Meeting"
    assert sorted(activity.guests) == ["Grace@example.com", "dan@example.com"]

    jobs = await outbox.jobs_of_kind("email")
    assert sorted(j["payload"]["to"] for j in jobs) == [
        "Grace@example.com",
        "ada@example.com",
        "dan@example.com",
    ], "the guest is invited too"
    invitee_mail = email.message_from_bytes(
        base64.b64decode(
            next(j for j in jobs if j["payload"]["to"] != "ada@example.com")["payload"]["message"]
        ),
        policy=email.policy.default,
    )
    ics = next(p for p in invitee_mail.walk() if p.get_content_type() == "text/calendar")
    assert "METHOD:REQUEST" in ics.get_content()


async def test_the_same_slot_cannot_be_booked_twice(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    assert (await book(client, "2026-03-02T09:00:00Z")).status_code == 201
    again = await book(client, "2026-03-02T09:00:00Z", email="someone@example.com")
    body = assert_problem(again, 409, "conflict")
    assert "no longer available" in body["detail"]
    assert "Grace" not in again.text, "nothing about the other booking leaks"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"start": "2026-03-02T06:00:00Z"}, 422, "start"),  # in the past
        ({"start": "2026-03-02T09:10:00Z"}, 422, "start"),  # not on the grid
        ({"start": "2026-03-07T09:00:00Z"}, 422, "start"),  # Saturday: outside hours
        ({"start": "2026-03-02T09:00:00"}, 422, "start"),  # no offset
        ({"time_zone": "Mars/Base"}, 422, "time_zone"),
        ({"email": "not-an-address"}, 422, "email"),
        ({"name": "x" * 201}, 400, "name"),
        ({"notes": "x" * 5001}, 400, "notes"),
        ({"guests": ["ok@example.com", "broken"]}, 422, "guests[1]"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    intro: EventType,
    changes: dict[str, object],
    status: int,
    field: str,
) -> None:
    response = await client.post(
        f"{BASE}/bookings", json={**booking_body("2026-03-02T09:00:00Z"), **changes}
    )
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == field
    listed = await client.get("/api/v1/bookings", headers=ada.headers)
    assert listed.json() == []
    assert await outbox.jobs_of_kind("email") == []


@pytest.mark.parametrize(
    "path", ["/api/v1/public/ada/nope", "/api/v1/public/nobody/intro", "/api/v1/public/ada/secret"]
)
async def test_unknown_or_hidden_event_types_are_404_and_reveal_nothing(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType, path: str
) -> None:
    await event_types.create(
        ada.host.id,
        EventTypeCreate(title="Secret", slug="secret", duration_minutes=30, hidden=True),
    )
    for response in (
        await client.get(path),
        await client.get(
            f"{path}/slots", params={"start": "2026-03-02", "end": "2026-03-02", "tz": "UTC"}
        ),
        await client.post(f"{path}/bookings", json=booking_body("2026-03-02T09:00:00Z")),
    ):
        body = assert_problem(response, 404, "not-found")
        assert body["detail"] == "No such booking page."


async def test_slot_ranges_are_bounded(client: httpx.AsyncClient, intro: EventType) -> None:
    too_long = await client.get(
        f"{BASE}/slots", params={"start": "2026-03-01", "end": "2026-05-02", "tz": "UTC"}
    )
    assert assert_problem(too_long, 422, "invalid-input")["errors"][0]["field"] == "end"
    backwards = await client.get(
        f"{BASE}/slots", params={"start": "2026-03-05", "end": "2026-03-01", "tz": "UTC"}
    )
    assert_problem(backwards, 422, "invalid-input")
    bad_zone = await client.get(
        f"{BASE}/slots", params={"start": "2026-03-01", "end": "2026-03-01", "tz": "Nowhere"}
    )
    assert assert_problem(bad_zone, 422, "invalid-input")["errors"][0]["field"] == "tz"


async def test_invitee_cancels_by_link_and_the_slot_is_free_again(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    booked = (await book(client, "2026-03-02T09:00:00Z")).json()
    token = booked["links"]["cancel_url"].split("token=")[1]
    uid = booked["uid"]
    wrong = await client.post(
        f"/api/v1/public/bookings/{uid}/cancel", params={"token": "x" * 22}, json={}
    )
    assert_problem(wrong, 404, "not-found")

    cancelled = await client.post(
        f"/api/v1/public/bookings/{uid}/cancel", params={"token": token}, json={"reason": "Sick"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Sick"
    assert "2026-03-02T09:00:00Z" in await slot_starts(client)
    assert await activities.list_for(ada.host.id) == [], "the booking's activity is gone"
    again = await client.post(
        f"/api/v1/public/bookings/{uid}/cancel", params={"token": token}, json={}
    )
    assert_problem(again, 409, "conflict")

    ics = await client.get(f"/api/v1/public/bookings/{uid}/invite.ics", params={"token": token})
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "METHOD:CANCEL" in ics.text
    assert "SEQUENCE:1" in ics.text


async def test_invitee_reschedules_by_link_keeping_the_uid(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    booked = (await book(client, "2026-03-02T09:00:00Z")).json()
    other = (await book(client, "2026-03-02T11:00:00Z", email="other@example.com")).json()
    token = booked["links"]["reschedule_url"].split("token=")[1]
    url = f"/api/v1/public/bookings/{booked['uid']}/reschedule"

    taken = await client.post(url, params={"token": token}, json={"start": other["start"]})
    assert_problem(taken, 409, "conflict")
    # Its own neighbourhood is not blocked by itself: 09:30 overlaps its own buffer.
    moved = await client.post(url, params={"token": token}, json={"start": "2026-03-02T09:30:00Z"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["uid"] == booked["uid"]
    assert moved.json()["start"] == "2026-03-02T09:30:00Z"
    starts = await slot_starts(client)
    assert "2026-03-02T09:00:00Z" not in starts, (
        "the 15-minute buffer before 09:30? no: 09:00+30+15 > 09:30"
    )
    assert "2026-03-02T08:30:00Z" in starts
    ics = await client.get(
        f"/api/v1/public/bookings/{booked['uid']}/invite.ics", params={"token": token}
    )
    assert "SEQUENCE:1" in ics.text
    assert "DTSTART:20260302T093000Z" in ics.text
    recipients = [
        j["payload"]["to"]
        for j in await outbox.jobs_of_kind("email")
        if j["payload"]["subject"].startswith("Rescheduled")
    ]
    assert sorted(recipients) == ["Grace@example.com", "ada@example.com"]


async def test_host_lists_filters_and_cancels_bookings(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    first = (await book(client, "2026-03-02T09:00:00Z")).json()
    await book(client, "2026-03-03T09:00:00Z", email="b@example.com")
    tuesday = await client.get(
        "/api/v1/bookings",
        params={"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"},
        headers=ada.headers,
    )
    assert [b["invitee"]["email"] for b in tuesday.json()] == ["b@example.com"]
    cancelled = await client.post(
        f"/api/v1/bookings/{first['uid']}/cancel", json={"reason": "Conflict"}, headers=ada.headers
    )
    assert cancelled.json()["status"] == "cancelled"
    confirmed = await client.get(
        "/api/v1/bookings", params={"status": "confirmed"}, headers=ada.headers
    )
    assert len(confirmed.json()) == 1


async def test_activities_block_time_until_completed(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    created = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={
            "title": "Board meeting",
            "start": "2026-03-02T09:00:00Z",
            "end": "2026-03-02T10:00:00Z",
        },
    )
    starts = await slot_starts(client)
    assert "2026-03-02T09:00:00Z" not in starts
    assert "2026-03-02T09:30:00Z" not in starts
    await client.post(f"/api/v1/activities/{created.json()['id']}/complete", headers=ada.headers)
    assert "2026-03-02T09:30:00Z" in await slot_starts(client)


async def book_three(client: httpx.AsyncClient) -> list[int]:
    return [
        (await book(client, f"2026-03-02T{h:02d}:00:00Z", email=f"x{h}@example.com")).status_code
        for h in (9, 10, 11)
    ]


async def test_public_booking_posts_are_rate_limited(settings: Settings, intro: EventType) -> None:
    async with serve_in_loop(create_app(replace(settings, rate_limit_per_minute=2))) as client:
        codes = await book_three(client)
        browsing = await client.get(BASE)
        refused = await book(client, "2026-03-02T12:00:00Z", email="late@example.com")
    assert codes == [201, 201, 429]
    assert_problem(refused, 429, "too-many-requests")
    assert browsing.status_code == 200, "reading is not limited"


async def test_with_redis_every_process_shares_one_budget(
    settings: Settings, intro: EventType
) -> None:
    store = aioredis.from_url(REDIS_TEST_URL)
    try:
        await store.ping()
    except OSError:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}")
    async for key in store.scan_iter("rendezvous:rate_limit*"):
        await store.delete(key)
    await store.aclose()
    shared = replace(settings, rate_limit_per_minute=2, redis_url=REDIS_TEST_URL)
    # Two app instances stand for two worker processes: only Redis connects them.
    async with (
        serve_in_loop(create_app(shared)) as first,
        serve_in_loop(create_app(shared)) as second,
    ):
        codes = [
            (await book(first, "2026-03-02T09:00:00Z")).status_code,
            (await book(second, "2026-03-02T10:00:00Z", email="b@example.com")).status_code,
            (await book(first, "2026-03-02T11:00:00Z", email="c@example.com")).status_code,
        ]
    assert codes == [201, 201, 429]


async def test_slots_for_a_booking_being_moved_leave_its_own_time_free(
    client: httpx.AsyncClient, intro: EventType
) -> None:
    booked = (await book(client, "2026-03-02T09:00:00Z")).json()
    token = booked["links"]["reschedule_url"].split("token=")[1]
    params = {"start": "2026-03-02", "end": "2026-03-02", "tz": "UTC"}
    moving = await client.get(
        f"{BASE}/slots", params={**params, "reschedule": booked["uid"], "token": token}
    )
    starts = [s["start"] for s in moving.json()["days"][0]["slots"]]
    assert {"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"} <= set(starts)
    forged = await client.get(
        f"{BASE}/slots", params={**params, "reschedule": booked["uid"], "token": "x" * 22}
    )
    assert_problem(forged, 404, "not-found")
    assert "2026-03-02T09:00:00Z" not in await slot_starts(client), "others still see it taken"
