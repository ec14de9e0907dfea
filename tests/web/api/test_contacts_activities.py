from __future__ import annotations

import httpx

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem


async def test_contact_crud(client: httpx.AsyncClient, ada: SignedIn) -> None:
    created = await client.post(
        "/api/v1/contacts", headers=ada.headers, json={"email": "Bob@Example.com", "name": "Bob"}
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    duplicate = await client.post(
        "/api/v1/contacts", headers=ada.headers, json={"email": "bob@EXAMPLE.com"}
    )
    assert assert_problem(duplicate, 409, "already-exists")["field"] == "email"
    renamed = await client.patch(
        f"/api/v1/contacts/{contact['id']}", headers=ada.headers, json={"name": "Robert"}
    )
    assert renamed.json()["name"] == "Robert"
    listed = await client.get("/api/v1/contacts", params={"q": "rob"}, headers=ada.headers)
    assert [c["email"] for c in listed.json()] == ["Bob@example.com"]
    deleted = await client.delete(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/contacts/{contact['id']}", headers=ada.headers)
    assert_problem(gone, 404, "not-found")


async def test_activity_lifecycle_with_guests_and_types(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    types = (await client.get("/api/v1/activity-types", headers=ada.headers)).json()
    call = next(t for t in types if t["name"] == "Call")
    created = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={
            "title": "Intro call",
            "start": "2026-03-02T09:00:00Z",
            "end": "2026-03-02T09:30:00+00:00",
            "activity_type_id": call["id"],
            "guests": ["Carol@example.com", "carol@example.com", "dan@example.com"],
        },
    )
    assert created.status_code == 201, created.text
    activity = created.json()
    assert activity["activity_type"] == call
    assert sorted(activity["guests"]) == ["Carol@example.com", "dan@example.com"]
    contacts = (await client.get("/api/v1/contacts", headers=ada.headers)).json()
    assert len(contacts) == 2, "guests became contacts, matched case-insensitively"

    done = await client.post(f"/api/v1/activities/{activity['id']}/complete", headers=ada.headers)
    assert done.json()["completed"] is True
    open_ones = await client.get(
        "/api/v1/activities", params={"completed": "false"}, headers=ada.headers
    )
    assert open_ones.json() == []


async def test_activity_rules(client: httpx.AsyncClient, ada: SignedIn) -> None:
    backwards = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "x", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T09:00:00Z"},
    )
    assert assert_problem(backwards, 422, "invalid-input")["errors"][0]["field"] == "end"
    naive = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "x", "start": "2026-03-02T10:00:00", "end": "2026-03-02T11:00:00"},
    )
    assert naive.status_code in {400, 422}
    unknown_type = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "x", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z",
              "activity_type_id": 9999},
    )  # fmt: skip
    assert_problem(unknown_type, 422, "invalid-input")


async def test_activities_of_another_host_are_not_found(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    created = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "Private", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"},
    )
    grace = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    token = await hosts.create_token(grace.id)
    other = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/activities/{created.json()['id']}"
    assert_problem(await client.get(url, headers=other), 404, "not-found")
    assert_problem(await client.delete(url, headers=other), 404, "not-found")
    assert (await client.get(url, headers=ada.headers)).status_code == 200
