"""The host's calendars page: connecting Google, status, switches, stale warning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from litestar import Litestar

from integrations.accounts import repository as account_rows
from integrations.calendars import repository
from tests.conftest import SignedIn
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings, connect_in_browser
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings

HTML = {"Accept": "text/html"}


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as emulator:
        yield emulator


@pytest.fixture
def app(settings: Settings, google: GoogleCalendarEmulator) -> Litestar:
    return create_app(app_settings(settings, google))


async def test_connect_switch_and_disconnect_from_the_page(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    assert 'href="/calendars"' in (await client.get("/dashboard")).text
    assert "Connect Google Calendar" in (await client.get("/calendars")).text
    await connect_in_browser(client)
    page = await client.get("/calendars")
    assert "Google: ada@example.com" in page.text
    assert "Status: connected" in page.text

    (calendar_id,) = await repository.conflict_calendar_ids()
    token = await csrf_token(client, "/calendars")
    saved = await client.post(
        f"/calendars/{calendar_id}", data={"tentative_blocks": "on", "_csrf_token": token}
    )
    assert saved.status_code == 303
    assert await repository.conflict_calendar_ids() == []

    account_id = (await repository.calendar(calendar_id)).account_id
    token = await csrf_token(client, "/calendars")
    gone = await client.post(
        f"/calendars/accounts/{account_id}/disconnect", data={"_csrf_token": token}
    )
    assert gone.status_code == 303
    assert await account_rows.get(account_id) is None


async def test_a_callback_from_another_session_is_refused(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    response = await client.get("/calendars/google/callback?code=stolen&state=forged", headers=HTML)
    assert response.status_code == 400
    assert "did not start here" in response.text
    api = await client.get("/calendars/google/callback?code=x&state=y")
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_refused_consent_is_explained(
    client: httpx.AsyncClient, ada: SignedIn, google: GoogleCalendarEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    google.deny_consent()
    response = await connect_in_browser(client)
    assert response.status_code == 400
    assert await account_rows.of_host(ada.host.id) == []


async def test_reconnect_needed_and_stale_calendars_are_shown(
    client: httpx.AsyncClient, ada: SignedIn, google: GoogleCalendarEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_in_browser(client)
    (calendar_id,) = await repository.conflict_calendar_ids()
    account_id = (await repository.calendar(calendar_id)).account_id
    await account_rows.mark_reconnect_needed(account_id, "Access was revoked.", _now())
    with time_machine.travel(_now() + timedelta(days=1), tick=False):
        page = await client.get("/calendars")
        listed = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
        accounts = (await client.get("/api/v1/calendar-accounts", headers=ada.headers)).json()
    assert "reconnect needed" in page.text
    assert "Not synced recently" in page.text
    assert listed[0]["stale"] is True
    assert accounts[0]["status"] == "reconnect_needed"


def _now() -> datetime:
    return datetime.now(UTC)
