"""End to end: a host links Google Calendar for two-way sync through the API, the way an
integrator would, against the Google emulator and a served app. The host previews the
first sync, runs it, sees the calendar's events as activities, makes an activity that
appears in the calendar (tagged, nobody e-mailed), and a quiet run costs one call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.helpers import host_offering_a_call, serving
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings as google_settings
from tests.integrations.calendars.helpers import connect_in_browser
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

EMAIL = "ada@example.com"
DAY = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=EMAIL) as emulator:
        yield emulator


@pytest.fixture
async def server(
    settings: Settings, google: GoogleCalendarEmulator
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with serving(
        lambda public_url: create_app(google_settings(settings, google, public_url=public_url))
    ) as served:
        yield served


async def allow(client: httpx.AsyncClient, path: str) -> None:
    """Click through Google's consent for ``path`` (ours), back to our callback."""
    start = await client.get(path)
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(start.headers["location"])
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    done = await client.get(f"{back.path}?{back.query}")
    assert done.status_code == 303, done.text


async def test_two_way_sync_through_the_api(
    server: tuple[httpx.AsyncClient, Any], google: GoogleCalendarEmulator
) -> None:
    client, _ = server
    headers, _call = await host_offering_a_call(client, EMAIL, "ada", "Ada")
    await sign_in(client, EMAIL, PASSWORD)
    assert (await connect_in_browser(client)).status_code == 303
    (account,) = (await client.get("/api/v1/calendar-accounts", headers=headers)).json()
    url = f"/api/v1/calendar-accounts/{account['id']}"

    # Read-only grants cannot be linked; the answer says what to do.
    refused = await client.patch(url, json={"mode": "two_way"}, headers=headers)
    assert refused.status_code == 409, refused.text
    assert "write-access" in refused.json()["detail"]
    await allow(client, f"/calendars/accounts/{account['id']}/write-access")
    linked = await client.patch(
        url, json={"mode": "two_way", "earliest": (DAY - timedelta(days=1)).isoformat()},
        headers=headers,
    )  # fmt: skip
    assert linked.status_code == 200, linked.text
    assert linked.json()["mode"] == "two_way"
    assert linked.json()["can_write"]

    google.add_event(
        EMAIL,
        summary="Board meeting",
        start=DAY,
        end=DAY + timedelta(hours=1),
        attendees=[{"email": "bob@example.com", "responseStatus": "accepted"}],
    )
    google.add_event(
        EMAIL, summary="Secret", start=DAY + timedelta(hours=3),
        end=DAY + timedelta(hours=4), visibility="private",
    )  # fmt: skip

    preview = await client.post(f"{url}/sync?dry_run=true", headers=headers)
    assert preview.status_code == 200, preview.text
    plan = preview.json()
    assert plan["dry_run"]
    assert [(e["side"], e["operation"], e["title"]) for e in plan["plan"]] == [
        ("crm", "create", "Board meeting")
    ]
    assert (await client.get("/api/v1/activities", headers=headers)).json() == []

    run = (await client.post(f"{url}/sync", headers=headers)).json()
    assert run["status"] == "done", run
    assert run["counts"] == {"crm": {"create": 1}}
    (activity,) = (await client.get("/api/v1/activities", headers=headers)).json()
    assert activity["title"] == "Board meeting"
    assert activity["activity_type"]["name"] == "Meeting"

    made = await client.post(
        "/api/v1/activities",
        json={
            "title": "Proposal review",
            "start": (DAY + timedelta(days=1)).isoformat(),
            "end": (DAY + timedelta(days=1, hours=1)).isoformat(),
            "guests": ["carol@example.com"],
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    pushed = (await client.post(f"{url}/sync", headers=headers)).json()
    assert pushed["counts"] == {"calendar": {"create": 1}}
    (event,) = [e for e in google.events(EMAIL) if e.get("summary") == "Proposal review"]
    assert event["extendedProperties"]["private"]["rdvActivity"] == str(made.json()["id"])
    assert f"/dashboard/activities/{made.json()['id']}" in event["description"]
    assert google.notifications == []

    before = google.count("calendar.events.list")
    quiet = (await client.post(f"{url}/sync", headers=headers)).json()
    assert quiet["counts"] == {}
    assert google.count("calendar.events.list") == before + 1
    assert google.count("calendar.events.insert") == 1

    runs = (
        await client.get(f"/api/v1/sync-runs?account_id={account['id']}", headers=headers)
    ).json()
    assert [r["dry_run"] for r in runs][-1] is True
    assert all(r["finished_at"] for r in runs)
    assert runs[0]["id"] == quiet["id"]
