"""Contacts are the team's: every host reads them all, only the owner changes or deletes.

Two hosts, Ada and Grace, each with a token. Time is frozen on Monday 2026-03-02
07:00 UTC so Ada's page (Mon-Fri 09:00-17:00 Berlin) can be booked at 08:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

Client = httpx.AsyncClient
Json = dict[str, Any]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
async def grace(client: Client) -> SignedIn:
    host = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    return SignedIn(host=host, token=await hosts.create_token(host.id))


async def create_contact(client: Client, who: SignedIn, email: str, name: str = "") -> Json:
    response = await client.post(
        "/api/v1/contacts", headers=who.headers, json={"email": email, "name": name}
    )
    assert response.status_code == 201, response.text
    contact: Json = response.json()
    return contact


async def contact_by_email(client: Client, who: SignedIn, email: str) -> Json:
    found = (await client.get("/api/v1/contacts", headers=who.headers, params={"q": email})).json()
    [contact] = [c for c in found if c["email"].casefold() == email.casefold()]
    return dict(contact)


async def assert_writes_refused(client: Client, who: SignedIn, contact: Json) -> None:
    url = f"/api/v1/contacts/{contact['id']}"
    for body in ({"name": "Hijacked"}, {"email": "taken@example.com"}, {}):
        assert_problem(await client.patch(url, headers=who.headers, json=body), 404, "not-found")
    assert_problem(await client.delete(url, headers=who.headers), 404, "not-found")
    after = await client.get(url, headers=who.headers)
    assert after.status_code == 200, "still there, and still readable"
    assert after.json() == contact, "nothing changed"


async def test_every_host_reads_every_contact(
    client: Client, ada: SignedIn, grace: SignedIn
) -> None:
    bob = await create_contact(client, ada, "bob@example.com", "Bob")
    assert bob["owner_id"] == ada.host.id, "a contact made through the API is its creator's"
    got = await client.get(f"/api/v1/contacts/{bob['id']}", headers=grace.headers)
    assert got.status_code == 200
    assert got.json() == bob
    listed = (await client.get("/api/v1/contacts", headers=grace.headers)).json()
    assert listed == [bob]


async def test_only_the_owner_changes_or_deletes_a_contact(
    client: Client, ada: SignedIn, grace: SignedIn
) -> None:
    bob = await create_contact(client, ada, "bob@example.com", "Bob")
    await create_contact(client, grace, "taken@example.com")
    # 404, not 403, and not even the 409 the taken address would give its owner.
    await assert_writes_refused(client, grace, bob)

    url = f"/api/v1/contacts/{bob['id']}"
    renamed = await client.patch(url, headers=ada.headers, json={"name": "Robert"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Robert"
    taken = await client.patch(url, headers=ada.headers, json={"email": "TAKEN@example.com"})
    assert_problem(taken, 409, "already-exists")
    assert (await client.delete(url, headers=ada.headers)).status_code == 204
    assert_problem(await client.get(url, headers=grace.headers), 404, "not-found")


async def test_invitees_and_their_guests_belong_to_the_booked_host(
    client: Client, ada: SignedIn, grace: SignedIn
) -> None:
    await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
    )
    known = await create_contact(client, grace, "known@example.com", "Known")
    booked = await client.post(
        "/api/v1/public/ada/intro/bookings",
        json={
            "start": "2026-03-02T08:00:00Z",
            "name": "Bob Booker",
            "email": "bob@example.com",
            "time_zone": "UTC",
            "guests": ["carol@example.com", "Known@example.com"],
        },
    )
    assert booked.status_code == 201, booked.text
    bob = await contact_by_email(client, grace, "bob@example.com")
    carol = await contact_by_email(client, grace, "carol@example.com")
    assert bob["owner_id"] == carol["owner_id"] == ada.host.id
    assert (await contact_by_email(client, ada, "known@example.com")) == known, (
        "a contact the team already had keeps its owner"
    )
    await assert_writes_refused(client, grace, bob)
    deleted = await client.delete(f"/api/v1/contacts/{carol['id']}", headers=ada.headers)
    assert deleted.status_code == 204


async def test_new_guests_of_an_activity_belong_to_its_owner(
    client: Client, ada: SignedIn, grace: SignedIn
) -> None:
    created = await client.post(
        "/api/v1/activities",
        headers=grace.headers,
        json={
            "title": "Lunch",
            "start": "2026-03-03T11:00:00Z",
            "end": "2026-03-03T12:00:00Z",
            "guests": ["dan@example.com"],
        },
    )
    assert created.status_code == 201, created.text
    dan = await contact_by_email(client, ada, "dan@example.com")
    assert dan["owner_id"] == grace.host.id
    await assert_writes_refused(client, ada, dan)


@pytest.mark.parametrize("contact_id", ["0", "2147483648", "99999999999999999999"])
async def test_ids_outside_the_column_are_404(
    client: Client, ada: SignedIn, contact_id: str
) -> None:
    url = f"/api/v1/contacts/{contact_id}"
    assert_problem(await client.get(url, headers=ada.headers), 404, "not-found")
    patched = await client.patch(url, headers=ada.headers, json={"name": "x"})
    assert_problem(patched, 404, "not-found")
    assert_problem(await client.delete(url, headers=ada.headers), 404, "not-found")
