"""Calendar accounts and calendars over the API, the Google push webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from integrations.calendars import repository
from integrations.calendars.runner import CalendarSyncRunner
from tests.conftest import SignedIn
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings, connect_in_browser
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

TEAM = "team@group.calendar.google.com"
WAIT = 10.0


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as emulator:
        emulator.add_calendar(TEAM, "Team")
        yield emulator


@pytest.fixture
def app(settings: Settings, google: GoogleCalendarEmulator) -> Litestar:
    return create_app(app_settings(settings, google, push_notifications=True))


def runner(client: httpx.AsyncClient) -> CalendarSyncRunner:
    app: Any = client._transport.app  # type: ignore[attr-defined]
    return app.state["calendars"].runner  # type: ignore[no-any-return]


async def synced(client: httpx.AsyncClient, calendar_id: int, after: int) -> None:
    await asyncio.wait_for(runner(client).wait_synced(calendar_id, after), WAIT)


async def test_connect_then_manage_calendars_over_the_api(
    client: httpx.AsyncClient, ada: SignedIn, google: GoogleCalendarEmulator
) -> None:
    started = await client.post(
        "/api/v1/calendar-accounts", json={"provider": "google"}, headers=ada.headers
    )
    assert started.status_code == 201
    assert started.json() == {"authorize_url": "http://127.0.0.1:8000/calendars/google/connect"}

    await sign_in(client, "ada@example.com", PASSWORD)
    done = await connect_in_browser(client)
    assert (done.status_code, done.headers["location"]) == (303, "/calendars")

    (account,) = (await client.get("/api/v1/calendar-accounts", headers=ada.headers)).json()
    assert (account["provider"], account["email"], account["status"]) == (
        "google", "ada@example.com", "ok",
    )  # fmt: skip
    calendars = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
    by_remote = {c["remote_id"]: c for c in calendars}
    primary, team = by_remote["ada@example.com"], by_remote[TEAM]
    assert primary["is_conflict"]
    assert not team["is_conflict"]
    assert not team["stale"]  # not a conflict calendar: never stale

    seen = runner(client).sync_count(team["id"])
    patched = await client.patch(
        f"/api/v1/calendars/{team['id']}",
        json={"is_conflict": True, "tentative_blocks": False, "colour": "#112233"},
        headers=ada.headers,
    )
    assert patched.status_code == 200
    assert (patched.json()["is_conflict"], patched.json()["colour"]) == (True, "#112233")
    await synced(client, team["id"], seen)
    listed = {
        c["id"]: c for c in (await client.get("/api/v1/calendars", headers=ada.headers)).json()
    }
    assert listed[team["id"]]["last_synced_at"] is not None
    assert listed[team["id"]]["stale"] is False
    assert len(google.channels) == 2  # one per conflict calendar

    bad = await client.patch(
        f"/api/v1/calendars/{team['id']}", json={"colour": "red"}, headers=ada.headers
    )
    assert bad.status_code in (400, 422)

    event_type = await client.post(
        "/api/v1/event-types", json={"title": "Call", "duration_minutes": 30}, headers=ada.headers
    )
    path = f"/api/v1/event-types/{event_type.json()['id']}/calendars"
    default = (await client.get(path, headers=ada.headers)).json()
    assert default == {"uses_default": True, "calendar_ids": sorted([primary["id"], team["id"]])}
    chosen = await client.put(path, json={"calendar_ids": [team["id"]]}, headers=ada.headers)
    assert chosen.json() == {"uses_default": False, "calendar_ids": [team["id"]]}
    refused = await client.put(path, json={"calendar_ids": [999]}, headers=ada.headers)
    assert refused.status_code == 422

    gone = await client.delete(f"/api/v1/calendar-accounts/{account['id']}", headers=ada.headers)
    assert gone.status_code == 204
    assert google.channels == []
    assert (await client.get("/api/v1/calendars", headers=ada.headers)).json() == []


async def test_webhook_checks_the_channel_token(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_in_browser(client)
    (calendar_id,) = await repository.conflict_calendar_ids()
    await synced(client, calendar_id, 0)  # the first sync opens the channel
    (channel,) = await repository.channels_of(calendar_id)

    def headers(channel_id: str, token: str) -> dict[str, str]:
        return {
            "X-Goog-Channel-ID": channel_id,
            "X-Goog-Channel-Token": token,
            "X-Goog-Resource-State": "exists",
        }

    unknown = await client.post("/webhooks/google", headers=headers("nope", channel.token))
    assert unknown.status_code == 404
    forged = await client.post("/webhooks/google", headers=headers(channel.channel_id, "x"))
    assert forged.status_code == 403
    seen = runner(client).sync_count(calendar_id)
    ok = await client.post("/webhooks/google", headers=headers(channel.channel_id, channel.token))
    assert ok.status_code == 200
    await synced(client, calendar_id, seen)


async def test_other_hosts_calendars_are_not_found(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await client.patch(
        "/api/v1/calendars/12345", json={"is_conflict": True}, headers=ada.headers
    )
    assert response.status_code == 404
    response = await client.delete("/api/v1/calendar-accounts/12345", headers=ada.headers)
    assert response.status_code == 404


async def test_microsoft_unconfigured_is_refused_plainly(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    refused = await client.post(
        "/api/v1/calendar-accounts", json={"provider": "microsoft"}, headers=ada.headers
    )
    assert refused.status_code == 422
    assert "Microsoft 365 is not configured" in refused.json()["detail"]
    await sign_in(client, "ada@example.com", PASSWORD)
    page = await client.get("/calendars")
    assert "Microsoft 365 / Outlook is not configured on this server" in page.text
    assert (await client.get("/calendars/microsoft/connect")).status_code == 400
