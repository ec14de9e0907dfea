"""Contacts sharing an address: a guest who matches several is never guessed.

The activity needs attention, lists under ?needs_attention=true, and choosing the
contact resolves it. The booking flow links the one existing contact, creates one
when there is none, and leaves the choice to the host when there are several.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import time_machine

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def grace(client: httpx.AsyncClient) -> SignedIn:
    host = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    return SignedIn(host=host, token=await hosts.create_token(host.id))


async def contact(client: httpx.AsyncClient, who: SignedIn, email: str, name: str) -> int:
    made = await client.post(
        "/api/v1/contacts",
        headers=who.headers,
        json={"email": email, "name": name, "allow_duplicate": True},
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_a_duplicate_contact_needs_asking_for(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    first = await contact(client, ada, "team@acme.example", "Sales")
    refused = await client.post(
        "/api/v1/contacts", headers=ada.headers, json={"email": "TEAM@acme.example"}
    )
    assert assert_problem(refused, 409, "already-exists")["field"] == "email"
    second = await contact(client, ada, "TEAM@acme.example", "Sales (Berlin)")
    assert second != first
    both = await client.get("/api/v1/contacts", params={"q": "team@"}, headers=ada.headers)
    assert sorted(c["id"] for c in both.json()) == [first, second]


async def test_an_ambiguous_guest_waits_for_the_host_to_choose(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    berlin = await contact(client, ada, "team@acme.example", "Sales Berlin")
    await contact(client, ada, "Team@ACME.example", "Sales Paris")
    other = await contact(client, ada, "bob@acme.example", "Bob")
    created = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={
            "title": "Kick-off",
            "start": "2026-03-03T09:00:00Z",
            "end": "2026-03-03T10:00:00Z",
            "guests": ["Team@ACME.example", "bob@acme.example", "new@acme.example"],
        },
    )
    assert created.status_code == 201, created.text
    activity = created.json()
    assert activity["needs_attention"] is True
    assert activity["ambiguous_guests"] == ["Team@acme.example"]
    assert sorted(activity["guests"]) == ["bob@acme.example", "new@acme.example"]
    calm = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={"title": "Calm", "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T10:00:00Z"},
    )
    assert calm.json()["needs_attention"] is False

    waiting = await client.get(
        "/api/v1/activities", params={"needs_attention": "true"}, headers=ada.headers
    )
    assert [a["id"] for a in waiting.json()] == [activity["id"]]
    settled = await client.get(
        "/api/v1/activities", params={"needs_attention": "false"}, headers=ada.headers
    )
    assert [a["title"] for a in settled.json()] == ["Calm"]

    resolve = f"/api/v1/activities/{activity['id']}/resolve-guest"
    wrong = await client.post(
        resolve, headers=ada.headers, json={"email": "team@acme.example", "contact_id": other}
    )
    assert assert_problem(wrong, 422, "invalid-input")["errors"][0]["field"] == "contact_id"
    not_waiting = await client.post(
        resolve, headers=ada.headers, json={"email": "bob@acme.example", "contact_id": other}
    )
    assert assert_problem(not_waiting, 422, "invalid-input")["errors"][0]["field"] == "email"

    chosen = await client.post(
        resolve, headers=ada.headers, json={"email": "team@acme.example", "contact_id": berlin}
    )
    assert chosen.status_code == 200, chosen.text
    done = chosen.json()
    assert (done["needs_attention"], done["ambiguous_guests"]) == (False, [])
    assert sorted(done["guests"]) == ["bob@acme.example", "new@acme.example", "team@acme.example"]
    after = await client.get(
        "/api/v1/activities", params={"needs_attention": "true"}, headers=ada.headers
    )
    assert after.json() == []


async def test_another_host_cannot_resolve_or_list_them(
    client: httpx.AsyncClient, ada: SignedIn, grace: SignedIn
) -> None:
    berlin = await contact(client, ada, "team@acme.example", "Sales Berlin")
    await contact(client, ada, "team@acme.example", "Sales Paris")
    activity = (
        await client.post(
            "/api/v1/activities",
            headers=ada.headers,
            json={
                "title": "Kick-off",
                "start": "2026-03-03T09:00:00Z",
                "end": "2026-03-03T10:00:00Z",
                "guests": ["team@acme.example"],
            },
        )
    ).json()
    theirs = await client.get(
        "/api/v1/activities", params={"needs_attention": "true"}, headers=grace.headers
    )
    assert theirs.json() == []
    refused = await client.post(
        f"/api/v1/activities/{activity['id']}/resolve-guest",
        headers=grace.headers,
        json={"email": "team@acme.example", "contact_id": berlin},
    )
    assert_problem(refused, 404, "not-found")


@pytest.fixture
async def intro(ada: SignedIn) -> EventType:
    return await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
    )


async def _book(client: httpx.AsyncClient, email: str, hour: int) -> dict[str, object]:
    booked = await client.post(
        "/api/v1/public/ada/intro/bookings",
        json={
            "start": f"2026-03-02T{hour:02}:00:00Z",
            "name": "Invitee",
            "email": email,
            "time_zone": "UTC",
        },
    )
    assert booked.status_code == 201, booked.text
    return dict(booked.json())


async def test_booking_links_one_creates_none_and_never_guesses_several(
    client: httpx.AsyncClient, ada: SignedIn, intro: EventType
) -> None:
    known = await contact(client, ada, "known@acme.example", "Known")
    twins = [await contact(client, ada, "shared@acme.example", f"Twin {i}") for i in (1, 2)]

    async def host_view(booked: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
        booking = (
            await client.get(f"/api/v1/bookings/{booked['uid']}", headers=ada.headers)
        ).json()
        activity = (
            await client.get(f"/api/v1/activities/{booking['activity_id']}", headers=ada.headers)
        ).json()
        return booking, activity

    one, activity = await host_view(await _book(client, "KNOWN@acme.example", 9))
    assert one["contact_id"] == known
    assert activity["needs_attention"] is False

    before = len((await client.get("/api/v1/contacts", headers=ada.headers)).json())
    fresh, activity = await host_view(await _book(client, "fresh@acme.example", 10))
    contacts = (await client.get("/api/v1/contacts", headers=ada.headers)).json()
    assert len(contacts) == before + 1
    assert fresh["contact_id"] == next(
        c["id"] for c in contacts if c["email"] == "fresh@acme.example"
    )
    assert activity["guests"] == ["fresh@acme.example"]

    several, activity = await host_view(await _book(client, "Shared@acme.example", 11))
    assert several["contact_id"] is None, "never guessed"
    assert (activity["needs_attention"], activity["ambiguous_guests"]) == (
        True,
        ["Shared@acme.example"],
    )
    assert len((await client.get("/api/v1/contacts", headers=ada.headers)).json()) == before + 1

    resolved = await client.post(
        f"/api/v1/activities/{activity['id']}/resolve-guest",
        headers=ada.headers,
        json={"email": "shared@acme.example", "contact_id": twins[1]},
    )
    assert resolved.json()["needs_attention"] is False
    booking, _ = await host_view({"uid": several["uid"]})
    assert booking["contact_id"] == twins[1], "the booking gets the contact the host chose"
