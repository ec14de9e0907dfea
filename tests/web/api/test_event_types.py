from __future__ import annotations

from typing import Any

import httpx

from booking.event_types import service as event_types
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

Client = httpx.AsyncClient
URL = "/api/v1/event-types"


async def _grace() -> SignedIn:
    host = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    return SignedIn(host=host, token=await hosts.create_token(host.id))


async def _schedule_id(client: Client, who: SignedIn) -> int:
    response = await client.post(
        "/api/v1/schedules",
        headers=who.headers,
        json={"name": "Mornings", "time_zone": "UTC", "weekly": {"monday": ["08:00-12:00"]}},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_crud_round_trip(client: Client, ada: SignedIn) -> None:
    schedule_id = await _schedule_id(client, ada)
    response = await client.post(
        URL,
        headers=ada.headers,
        json={
            "title": "Intro Call",
            "description": "Say hello.",
            "duration_minutes": 30,
            "step_minutes": 15,
            "buffer_after_minutes": 10,
            "minimum_notice_minutes": 120,
            "max_per_day": 4,
            "location_kind": "phone",
            "location_value": "+49 30 123456",
            "schedule_id": schedule_id,
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["slug"] == "intro-call"
    assert created["booking_url"] == "/ada/intro-call"
    assert created["horizon_days"] == 60
    assert (created["horizon_start"], created["horizon_end"], created["max_per_week"]) == (
        None,
        None,
        None,
    )
    assert (created["schedule_id"], created["hidden"]) == (schedule_id, False)
    assert isinstance(created["activity_type_id"], int)
    one = f"{URL}/{created['id']}"
    assert (await client.get(one, headers=ada.headers)).json() == created
    assert (await client.get(URL, headers=ada.headers)).json() == [created]

    response = await client.patch(
        one,
        headers=ada.headers,
        json={
            "slug": "hello",
            "hidden": True,
            "schedule_id": None,
            "horizon_start": "2026-12-01",
            "horizon_end": "2026-12-24",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["booking_url"] == "/ada/hello"
    assert (changed["hidden"], changed["schedule_id"]) == (True, None)
    assert (changed["horizon_days"], changed["horizon_start"], changed["horizon_end"]) == (
        None,
        "2026-12-01",
        "2026-12-24",
    )
    assert changed["title"] == "Intro Call", "fields not sent stay as they were"

    assert (await client.delete(one, headers=ada.headers)).status_code == 204
    assert_problem(await client.get(one, headers=ada.headers), 404, "not-found")
    assert (await client.get(URL, headers=ada.headers)).json() == []


async def test_invalid_event_types_name_the_field_and_change_nothing(
    client: Client, ada: SignedIn
) -> None:
    grace = await _grace()
    theirs = await _schedule_id(client, grace)
    good = {"title": "Call", "duration_minutes": 30}
    existing = (await client.post(URL, headers=ada.headers, json=good)).json()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"title": "   "}, 422, "title"),
        ({"slug": "Not A Slug"}, 422, "slug"),
        ({"duration_minutes": 4}, 400, "duration_minutes"),
        ({"step_minutes": 721}, 400, "step_minutes"),
        ({"buffer_before_minutes": -1}, 400, "buffer_before_minutes"),
        ({"horizon_days": 731}, 400, "horizon_days"),
        ({"max_per_week": 0}, 400, "max_per_week"),
        ({"horizon_start": "2026-12-01"}, 422, "horizon_end"),
        ({"horizon_start": "2026-12-02", "horizon_end": "2026-12-01"}, 422, "horizon_end"),
        (
            {"horizon_days": 10, "horizon_start": "2026-12-01", "horizon_end": "2026-12-02"},
            422,
            "horizon_days",
        ),
        ({"horizon_days": None}, 422, "horizon_days"),
        ({"location_kind": "in_person"}, 422, "location_value"),
        ({"location_kind": "none", "location_value": "Room 1"}, 422, "location_value"),
        ({"location_kind": "carrier-pigeon"}, 400, "location_kind"),
        ({"schedule_id": theirs}, 422, "schedule_id"),
        ({"schedule_id": 0}, 400, "schedule_id"),  # ids start at 1 (booking.ids)
        ({"activity_type_id": 999_999}, 422, "activity_type_id"),
    ]
    for change, status, field in cases:
        response = await client.post(URL, headers=ada.headers, json={**good, **change})
        body = assert_problem(response, status, "invalid-input")
        assert body["errors"][0]["field"] == field, (change, body)
        response = await client.patch(f"{URL}/{existing['id']}", headers=ada.headers, json=change)
        body = assert_problem(response, status, "invalid-input")
        assert body["errors"][0]["field"] == field, (change, body)
    assert (await client.get(URL, headers=ada.headers)).json() == [existing]


async def test_duplicate_slug_is_409_naming_the_field(client: Client, ada: SignedIn) -> None:
    first = (
        await client.post(URL, headers=ada.headers, json={"title": "Demo", "duration_minutes": 30})
    ).json()
    response = await client.post(
        URL, headers=ada.headers, json={"title": "Other", "slug": "demo", "duration_minutes": 15}
    )
    body = assert_problem(response, 409, "already-exists")
    assert body["field"] == "slug"
    second = (
        await client.post(URL, headers=ada.headers, json={"title": "Other", "duration_minutes": 15})
    ).json()
    response = await client.patch(
        f"{URL}/{second['id']}", headers=ada.headers, json={"slug": "demo"}
    )
    assert_problem(response, 409, "already-exists")
    slugs = [e["slug"] for e in (await client.get(URL, headers=ada.headers)).json()]
    assert slugs == [first["slug"], "other"]


async def test_zoom_is_refused_until_connected(client: Client, ada: SignedIn) -> None:
    response = await client.post(
        URL,
        headers=ada.headers,
        json={"title": "Video", "duration_minutes": 30, "location_kind": "zoom"},
    )
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"][0] == {
        "field": "location_kind",
        "message": event_types.ZOOM_NOT_CONNECTED,
    }
    assert (await client.get(URL, headers=ada.headers)).json() == []


async def test_another_hosts_event_type_is_not_found(client: Client, ada: SignedIn) -> None:
    grace = await _grace()
    theirs = (
        await client.post(
            URL, headers=grace.headers, json={"title": "Call", "duration_minutes": 30}
        )
    ).json()
    one = f"{URL}/{theirs['id']}"
    assert_problem(await client.get(one, headers=ada.headers), 404, "not-found")
    assert_problem(
        await client.patch(one, headers=ada.headers, json={"hidden": True}), 404, "not-found"
    )
    assert_problem(await client.delete(one, headers=ada.headers), 404, "not-found")
    assert (await client.get(URL, headers=ada.headers)).json() == []
    assert (await client.get(URL, headers=grace.headers)).json() == [theirs]
