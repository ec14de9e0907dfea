from __future__ import annotations

from typing import Any

import httpx

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

Client = httpx.AsyncClient
URL = "/api/v1/schedules"
NINE_TO_FIVE = ["09:00-17:00"]
DEFAULT_WEEKLY = {
    "monday": NINE_TO_FIVE, "tuesday": NINE_TO_FIVE, "wednesday": NINE_TO_FIVE,
    "thursday": NINE_TO_FIVE, "friday": NINE_TO_FIVE, "saturday": [], "sunday": [],
}  # fmt: skip


async def _grace(client: Client) -> SignedIn:
    host = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    return SignedIn(host=host, token=await hosts.create_token(host.id))


async def test_crud_round_trip(client: Client, ada: SignedIn) -> None:
    listed = (await client.get(URL, headers=ada.headers)).json()
    assert len(listed) == 1
    default = listed[0]
    assert default["is_default"] is True
    assert (default["time_zone"], default["weekly"], default["overrides"]) == (
        "Europe/Berlin",
        DEFAULT_WEEKLY,
        {},
    )

    response = await client.post(
        URL,
        headers=ada.headers,
        json={
            "name": " Evenings ",
            "time_zone": "America/New_York",
            "weekly": {"tuesday": ["20:00-24:00", "18:00-19:30"]},
            "overrides": {"2026-12-31": [], "2026-12-24": ["18:00-20:00"]},
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Evenings"
    assert created["is_default"] is False
    assert list(created["weekly"]) == list(DEFAULT_WEEKLY), "all seven days, Monday first"
    assert created["weekly"]["tuesday"] == ["18:00-19:30", "20:00-24:00"], "sorted"
    assert created["weekly"]["monday"] == []
    assert created["overrides"] == {"2026-12-24": ["18:00-20:00"], "2026-12-31": []}
    one = f"{URL}/{created['id']}"
    assert (await client.get(one, headers=ada.headers)).json() == created

    response = await client.patch(
        one, headers=ada.headers, json={"name": "Late", "overrides": {}, "time_zone": "UTC"}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["name"], changed["overrides"], changed["time_zone"]) == ("Late", {}, "UTC")
    assert changed["weekly"] == created["weekly"], "fields not sent stay as they were"
    assert [s["id"] for s in (await client.get(URL, headers=ada.headers)).json()] == [
        default["id"],
        created["id"],
    ]

    response = await client.delete(one, headers=ada.headers)
    assert response.status_code == 204
    assert_problem(await client.get(one, headers=ada.headers), 404, "not-found")
    assert (await client.get(URL, headers=ada.headers)).json() == [default]


async def test_invalid_schedules_name_the_field_and_change_nothing(
    client: Client, ada: SignedIn
) -> None:
    before = (await client.get(URL, headers=ada.headers)).json()
    default_url = f"{URL}/{before[0]['id']}"
    good = {"name": "x", "time_zone": "UTC", "weekly": {}}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"weekly": {"funday": NINE_TO_FIVE}}, 422, "weekly.funday"),
        ({"weekly": {"monday": ["09:00-12:00", "nine-ish"]}}, 422, "weekly.monday[1]"),
        ({"weekly": {"friday": ["17:00-09:00"]}}, 422, "weekly.friday[0]"),
        ({"weekly": {"monday": ["09:00-12:00", "11:00-13:00"]}}, 422, "weekly.monday[1]"),
        ({"overrides": {"2026-13-01": []}}, 422, "overrides.2026-13-01"),
        ({"time_zone": "Mars/Olympus_Mons"}, 422, "time_zone"),
        ({"name": "n" * 101}, 400, "name"),
        ({"weekly": {"monday": [f"{h:02d}:00-{h:02d}:30" for h in range(11)]}}, 400, "weekly"),
    ]
    for change, status, field in cases:
        response = await client.post(URL, headers=ada.headers, json={**good, **change})
        body = assert_problem(response, status, "invalid-input")
        assert body["errors"][0]["field"].startswith(field), (change, body)
        response = await client.patch(default_url, headers=ada.headers, json=change)
        body = assert_problem(response, status, "invalid-input")
        assert body["errors"][0]["field"].startswith(field), (change, body)
    assert (await client.get(URL, headers=ada.headers)).json() == before


async def test_the_default_moves_and_cannot_be_deleted(client: Client, ada: SignedIn) -> None:
    [default] = (await client.get(URL, headers=ada.headers)).json()
    response = await client.delete(f"{URL}/{default['id']}", headers=ada.headers)
    body = assert_problem(response, 409, "conflict")
    assert "default schedule cannot be deleted" in body["detail"]

    response = await client.post(
        URL,
        headers=ada.headers,
        json={"name": "New", "time_zone": "UTC", "weekly": {}, "is_default": True},
    )
    new = response.json()
    assert new["is_default"] is True
    flags = {s["id"]: s["is_default"] for s in (await client.get(URL, headers=ada.headers)).json()}
    assert flags == {new["id"]: True, default["id"]: False}
    assert (await client.delete(f"{URL}/{default['id']}", headers=ada.headers)).status_code == 204


async def test_another_hosts_schedule_is_not_found(client: Client, ada: SignedIn) -> None:
    grace = await _grace(client)
    [theirs] = (await client.get(URL, headers=grace.headers)).json()
    one = f"{URL}/{theirs['id']}"
    assert_problem(await client.get(one, headers=ada.headers), 404, "not-found")
    response = await client.patch(one, headers=ada.headers, json={"name": "Mine now"})
    assert_problem(response, 404, "not-found")
    response = await client.patch(one, headers=ada.headers, json={"is_default": True})
    assert_problem(response, 404, "not-found")
    assert_problem(await client.delete(one, headers=ada.headers), 404, "not-found")
    assert (await client.get(URL, headers=grace.headers)).json() == [theirs]
    assert theirs["id"] not in {
        s["id"] for s in (await client.get(URL, headers=ada.headers)).json()
    }
