"""The activity types page and the needs-attention page, as a signed-in host uses them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

TYPES = "/dashboard/activity-types"
ATTENTION = "/dashboard/needs-attention"


def type_id(page: str, name: str) -> int:
    match = re.search(rf'<h3 id="type-(\d+)">.*?\n\s*{re.escape(name)}</h3>', page)
    assert match, f"{name} is listed"
    return int(match.group(1))


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in (TYPES, ATTENTION):
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")


async def test_add_rename_recolour_and_remove_types_on_the_page(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    dashboard = await client.get("/dashboard")
    assert f'href="{TYPES}"' in dashboard.text
    assert f'href="{ATTENTION}"' in dashboard.text

    token = await csrf_token(client, TYPES)
    added = await client.post(
        TYPES, data={"name": "Sync only", "colour": "#0f766e", "_csrf_token": token}
    )
    assert added.status_code == 201, added.text
    assert "Added Sync only." in added.text
    sync = type_id(added.text, "Sync only")
    assert 'fill="#0f766e"' in added.text

    twin = await client.post(
        TYPES, data={"name": "sync ONLY", "colour": "#000000", "_csrf_token": token}
    )
    assert twin.status_code == 409
    assert "already exists" in twin.text
    bad = await client.post(TYPES, data={"name": "Lunch", "colour": "red", "_csrf_token": token})
    assert bad.status_code == 422
    assert "#rrggbb" in bad.text

    changed = await client.post(
        f"{TYPES}/{sync}", data={"name": "Calendar sync", "colour": "#be123c", "_csrf_token": token}
    )
    assert changed.status_code == 200
    assert type_id(changed.text, "Calendar sync") == sync
    assert 'fill="#be123c"' in changed.text
    assert [(t.name, t.colour) for t in await activities.types() if t.id == sync] == [
        ("Calendar sync", "#be123c")
    ]

    removed = await client.post(f"{TYPES}/{sync}/delete", data={"_csrf_token": token})
    assert removed.status_code == 303
    assert sync not in [t.id for t in await activities.types()]


async def test_a_type_in_use_is_kept_and_the_page_says_why(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    meeting = next(t for t in await activities.types() if t.name == "Meeting")
    await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Kick-off",
            start=datetime(2026, 3, 3, 9, tzinfo=UTC),
            end=datetime(2026, 3, 3, 10, tzinfo=UTC),
            activity_type_id=meeting.id,
        ),
    )
    token = await csrf_token(client, TYPES)
    refused = await client.post(f"{TYPES}/{meeting.id}/delete", data={"_csrf_token": token})
    assert refused.status_code == 409
    assert "in use by 1 activity" in refused.text
    assert meeting.id in [t.id for t in await activities.types()]


async def test_forms_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    forged = await client.post(TYPES, data={"name": "Forged", "colour": "#000000"})
    assert forged.status_code == 403
    assert "Forged" not in [t.name for t in await activities.types()]


async def test_choose_the_contact_of_an_ambiguous_guest(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    calm = await client.get(ATTENTION)
    assert "Nothing needs your attention." in calm.text

    berlin = await contacts.create(
        ada.host.id, ContactCreate(email="team@acme.example", name="Team Berlin")
    )
    await contacts.create(
        ada.host.id,
        ContactCreate(email="Team@acme.example", name="Team Paris", allow_duplicate=True),
    )
    activity = await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Quarterly review",
            start=datetime(2026, 3, 3, 9, tzinfo=UTC),
            end=datetime(2026, 3, 3, 10, tzinfo=UTC),
            guests=["TEAM@acme.example"],
        ),
    )
    page = await client.get(ATTENTION)
    assert "Quarterly review" in page.text
    assert "Which contact is" in page.text
    assert "Team Berlin" in page.text
    assert "Team Paris" in page.text

    token = await csrf_token(client, ATTENTION)
    unchosen = await client.post(
        f"{ATTENTION}/{activity.id}", data={"email": "team@acme.example", "_csrf_token": token}
    )
    assert unchosen.status_code == 422
    chosen = await client.post(
        f"{ATTENTION}/{activity.id}",
        data={"email": "team@acme.example", "contact_id": str(berlin.id), "_csrf_token": token},
    )
    assert chosen.status_code == 303
    resolved = await activities.get(ada.host.id, activity.id)
    assert (resolved.needs_attention, resolved.guests) == (False, ["team@acme.example"])
    assert "Nothing needs your attention." in (await client.get(ATTENTION)).text
