"""Activity types through the API: added, renamed, recoloured, removed when unused."""

from __future__ import annotations

import httpx

from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

TYPES = "/api/v1/activity-types"


async def test_add_rename_recolour_and_remove_a_type(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    created = await client.post(
        TYPES, headers=ada.headers, json={"name": "  Sync   only ", "colour": "#A1B2C3"}
    )
    assert created.status_code == 201, created.text
    sync = created.json()
    assert (sync["name"], sync["colour"]) == ("Sync only", "#a1b2c3")

    renamed = await client.patch(
        f"{TYPES}/{sync['id']}", headers=ada.headers, json={"name": "Calendar sync"}
    )
    assert renamed.json() == {**sync, "name": "Calendar sync"}
    recoloured = await client.patch(
        f"{TYPES}/{sync['id']}", headers=ada.headers, json={"colour": "#000000"}
    )
    assert recoloured.json() == {**sync, "name": "Calendar sync", "colour": "#000000"}
    listed = (await client.get(TYPES, headers=ada.headers)).json()
    assert [t["name"] for t in listed] == [
        "Meeting",
        "Call",
        "Task",
        "Appointment",
        "Calendar sync",
    ]

    removed = await client.delete(f"{TYPES}/{sync['id']}", headers=ada.headers)
    assert removed.status_code == 204
    assert sync["id"] not in [
        t["id"] for t in (await client.get(TYPES, headers=ada.headers)).json()
    ]
    again = await client.delete(f"{TYPES}/{sync['id']}", headers=ada.headers)
    assert_problem(again, 404, "not-found")


async def test_names_are_unique_regardless_of_case_and_colours_are_hex(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    twin = await client.post(TYPES, headers=ada.headers, json={"name": "mEETING"})
    assert assert_problem(twin, 409, "already-exists")["field"] == "name"
    for body in (
        {"name": "Lunch", "colour": "red"},
        {"name": "Lunch", "colour": "#12345"},
        {"name": "Lunch", "colour": "#12345g"},
        {"name": ""},
        {"name": "x" * 101},
        {"name": "Lunch", "icon": "fork"},
    ):
        bad = await client.post(TYPES, headers=ada.headers, json=body)
        assert bad.status_code in {400, 422}, body
        assert bad.headers["content-type"].startswith("application/problem+json"), body
    blank = await client.post(TYPES, headers=ada.headers, json={"name": "   "})
    assert assert_problem(blank, 422, "invalid-input")["errors"][0]["field"] == "name"

    lunch = (await client.post(TYPES, headers=ada.headers, json={"name": "Lunch"})).json()
    clash = await client.patch(f"{TYPES}/{lunch['id']}", headers=ada.headers, json={"name": "CALL"})
    assert_problem(clash, 409, "already-exists")
    # Changing only the case of its own name is no clash.
    same = await client.patch(f"{TYPES}/{lunch['id']}", headers=ada.headers, json={"name": "LUNCH"})
    assert same.json()["name"] == "LUNCH"


async def test_a_type_in_use_cannot_be_removed(client: httpx.AsyncClient, ada: SignedIn) -> None:
    demo = (await client.post(TYPES, headers=ada.headers, json={"name": "Demo"})).json()
    for hour in (9, 11):
        made = await client.post(
            "/api/v1/activities",
            headers=ada.headers,
            json={
                "title": "Demo",
                "start": f"2026-03-02T{hour:02}:00:00Z",
                "end": f"2026-03-02T{hour:02}:30:00Z",
                "activity_type_id": demo["id"],
            },
        )
        assert made.status_code == 201, made.text
    refused = await client.delete(f"{TYPES}/{demo['id']}", headers=ada.headers)
    problem = assert_problem(refused, 409, "conflict")
    assert (problem["activities"], problem["event_types"]) == (2, 0)
    assert "2 activities" in problem["detail"]
    assert demo in (await client.get(TYPES, headers=ada.headers)).json()

    # Moved to another type, the activities no longer hold it.
    meeting = next(
        t for t in (await client.get(TYPES, headers=ada.headers)).json() if t["name"] == "Meeting"
    )
    for activity in (await client.get("/api/v1/activities", headers=ada.headers)).json():
        await client.patch(
            f"/api/v1/activities/{activity['id']}",
            headers=ada.headers,
            json={"activity_type_id": meeting["id"]},
        )
    assert (await client.delete(f"{TYPES}/{demo['id']}", headers=ada.headers)).status_code == 204


async def test_types_need_a_signed_in_host(client: httpx.AsyncClient) -> None:
    anonymous = await client.post(TYPES, json={"name": "Sneaky"})
    assert anonymous.status_code == 401


async def test_a_type_an_event_type_uses_cannot_be_removed(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    demo = (await client.post(TYPES, headers=ada.headers, json={"name": "Demo"})).json()
    made = await client.post(
        "/api/v1/event-types",
        headers=ada.headers,
        json={
            "title": "Demo",
            "slug": "demo",
            "duration_minutes": 30,
            "activity_type_id": demo["id"],
        },
    )
    assert made.status_code == 201, made.text
    refused = await client.delete(f"{TYPES}/{demo['id']}", headers=ada.headers)
    problem = assert_problem(refused, 409, "conflict")
    assert (problem["activities"], problem["event_types"]) == (0, 1)
    assert "1 event type" in problem["detail"]


async def test_renaming_meeting_keeps_it_the_default(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    types = (await client.get(TYPES, headers=ada.headers)).json()
    meeting = next(t for t in types if t["name"] == "Meeting")
    await client.patch(f"{TYPES}/{meeting['id']}", headers=ada.headers, json={"name": "Termin"})
    made = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "x", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["activity_type"]["name"] == "Termin"
