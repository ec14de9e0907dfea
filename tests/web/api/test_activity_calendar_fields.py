"""The activity fields calendar sync brings (location, show_as, private, attendees,
series, organiser) as the REST API shows and takes them; trashed activities; events
someone else organises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import time_machine

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from integrations.sync import crm
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DAY = "2026-03-02"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def intro(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
    )


async def slot_starts(client: httpx.AsyncClient) -> list[str]:
    response = await client.get(
        "/api/v1/public/ada/intro/slots", params={"start": DAY, "end": DAY, "tz": "Europe/Berlin"}
    )
    assert response.status_code == 200, response.text
    return [s["start"] for s in response.json()["days"][0]["slots"]]


async def new_activity(client: httpx.AsyncClient, ada: SignedIn, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"title": "Board", "start": f"{DAY}T09:00:00Z", "end": f"{DAY}T10:00:00Z", **extra}
    created = await client.post("/api/v1/activities", headers=ada.headers, json=body)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


async def test_new_fields_round_trip(client: httpx.AsyncClient, ada: SignedIn) -> None:
    activity = await new_activity(
        client,
        ada,
        location="Room 4",
        show_as="tentative",
        private=True,
        guests=["Bob@example.com", "bob@example.com", "carol@example.com"],
    )
    assert (activity["location"], activity["show_as"], activity["private"]) == (
        "Room 4",
        "tentative",
        True,
    )
    assert (activity["series_id"], activity["organiser"]) == (None, "")
    assert activity["attendees"] == [
        {"email": "Bob@example.com", "response": "needsAction"},
        {"email": "carol@example.com", "response": "needsAction"},
    ]

    changed = await client.patch(
        f"/api/v1/activities/{activity['id']}",
        headers=ada.headers,
        json={"location": "", "show_as": "free", "private": False, "guests": ["dan@example.com"]},
    )

    assert changed.status_code == 200, changed.text
    fetched = (await client.get(f"/api/v1/activities/{activity['id']}", headers=ada.headers)).json()
    assert fetched == changed.json()
    assert (fetched["location"], fetched["show_as"], fetched["private"]) == ("", "free", False)
    assert fetched["attendees"] == [{"email": "dan@example.com", "response": "needsAction"}]
    assert fetched["guests"] == ["dan@example.com"]


async def test_show_as_takes_only_busy_free_or_tentative(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    body = {"title": "x", "start": f"{DAY}T09:00:00Z", "end": f"{DAY}T10:00:00Z"}
    refused = await client.post(
        "/api/v1/activities", headers=ada.headers, json={**body, "show_as": "away"}
    )
    assert refused.status_code in {400, 422}


async def test_a_free_activity_blocks_no_slot(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    await new_activity(client, ada, show_as="free")
    assert f"{DAY}T09:00:00Z" in await slot_starts(client)

    await new_activity(client, ada, show_as="tentative")
    assert f"{DAY}T09:00:00Z" not in await slot_starts(client)


async def test_a_trashed_activity_is_invisible_and_blocks_nothing(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    activity = await new_activity(client, ada)
    assert f"{DAY}T09:00:00Z" not in await slot_starts(client)
    path = f"/api/v1/activities/{activity['id']}"

    await crm.trash(activity["id"])

    assert_problem(await client.get(path, headers=ada.headers), 404, "not-found")
    listed = await client.get("/api/v1/activities", headers=ada.headers)
    assert listed.json() == []
    patched = await client.patch(path, headers=ada.headers, json={"title": "y"})
    assert_problem(patched, 404, "not-found")
    assert_problem(await client.delete(path, headers=ada.headers), 404, "not-found")
    assert f"{DAY}T09:00:00Z" in await slot_starts(client)


async def test_a_booking_activity_lists_its_invitee_and_cancels_from_the_trash(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    booked = await client.post(
        "/api/v1/public/ada/intro/bookings",
        json={
            "start": f"{DAY}T12:00:00Z",
            "name": "Grace",
            "email": "grace@example.com",
            "time_zone": "UTC",
        },
    )
    assert booked.status_code == 201, booked.text
    uid = booked.json()["uid"]
    host_view = (await client.get(f"/api/v1/bookings/{uid}", headers=ada.headers)).json()
    path = f"/api/v1/activities/{host_view['activity_id']}"
    activity = (await client.get(path, headers=ada.headers)).json()
    # The invitee is an attendee, so the sync pushes the booking with its guest.
    assert activity["attendees"] == [{"email": "grace@example.com", "response": "needsAction"}]
    await crm.trash(host_view["activity_id"])

    cancelled = await client.post(
        f"/api/v1/bookings/{uid}/cancel", json={"reason": "Ill"}, headers=ada.headers
    )

    assert cancelled.status_code == 200, cancelled.text
    assert not await crm.exists(host_view["activity_id"])


async def test_an_event_someone_else_organises_is_changed_in_the_calendar_only(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    activity = await new_activity(client, ada)
    path = f"/api/v1/activities/{activity['id']}"
    await crm.set_organiser(activity["id"], "zoe@example.com")
    shown = (await client.get(path, headers=ada.headers)).json()
    assert shown["organiser"] == "zoe@example.com"

    for change in (
        {"title": "Mine"},
        {"start": f"{DAY}T08:00:00Z"},
        {"location": "Elsewhere"},
        {"show_as": "free"},
        {"private": True},
        {"guests": ["bob@example.com"]},
        {"description": "Notes"},
        {"all_day": True},
    ):
        refused = await client.patch(path, headers=ada.headers, json=change)
        problem = assert_problem(refused, 409, "conflict")
        assert "organised by zoe@example.com in the calendar" in problem["detail"]

    types = (await client.get("/api/v1/activity-types", headers=ada.headers)).json()
    call = next(t for t in types if t["name"] == "Call")
    retyped = await client.patch(
        path, headers=ada.headers, json={"activity_type_id": call["id"], "title": "Board"}
    )
    assert retyped.status_code == 200, retyped.text
    done = await client.post(f"{path}/complete", headers=ada.headers)
    assert done.json()["completed"] is True
    assert (await client.get(path, headers=ada.headers)).json()["title"] == "Board"
