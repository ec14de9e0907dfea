"""The reconnect flow as a host sees it, for calendars and Zoom alike: an account
whose grant dies is flagged once, the host gets one e-mail, and every host page
(dashboard, calendars, video) carries a banner until the host reconnects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from litestar import Litestar

from booking.outbox import service as outbox
from integrations.accounts import repository as accounts
from integrations.calendars import repository as calendars
from integrations.calendars import service
from integrations.video import service as video_service
from tests.conftest import SignedIn
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.calendars.helpers import app_settings, connect_in_browser
from tests.integrations.video.helpers import emulator, follow, zoom_settings
from tests.web.pages.test_account import PASSWORD, sign_in
from web.app import create_app
from web.settings import Settings

PAGES = ("/dashboard", "/calendars", "/dashboard/video")
BANNER = 'aria-label="Accounts to reconnect"'


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as fake:
        yield fake


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as fake:
        yield fake


@pytest.fixture
def app(settings: Settings, google: GoogleCalendarEmulator, zoom: ZoomEmulator) -> Litestar:
    both = zoom_settings(app_settings(settings, google), zoom)
    return create_app(replace(both, public_url="http://127.0.0.1:8000"))


async def connect_zoom_in_browser(client: httpx.AsyncClient) -> None:
    start = await client.get("/dashboard/video/zoom/connect")
    back = await follow(start.headers["location"])
    location = httpx.URL(back.headers["location"])
    done = await client.get(f"{location.path}?{location.query.decode()}")
    assert done.status_code == 303, done.text


async def banners(client: httpx.AsyncClient) -> list[str]:
    """The banner's text on each host page ("" where there is none)."""
    shown = []
    for page in PAGES:
        text = (await client.get(page)).text
        start = text.find(BANNER)
        shown.append("" if start < 0 else text[start : text.index("</aside>", start)])
    return shown


async def reconnect_emails(purpose: str) -> list[str]:
    return [
        job["dedupe_key"]
        for job in await outbox.jobs_of_kind("email")
        if (job["dedupe_key"] or "").startswith(f"{purpose}-reconnect:")
    ]


async def test_a_dead_google_grant_shows_on_every_page_until_reconnected(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar, google: GoogleCalendarEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_in_browser(client)
    assert await banners(client) == ["", "", ""]

    # The host removes Rendezvous under their Google account; the next sync finds out.
    google.revoke_refresh_token()
    google.expire_access_tokens()
    [account] = await accounts.of_host(ada.host.id, "calendar")
    sync = app.state.calendars.sync
    [outcome] = await sync.sync_account(account.id)
    assert not outcome.ok
    assert await sync.sync_account(account.id) == [], "not polled until reconnected"
    flagged = await accounts.get(account.id)
    assert flagged is not None
    assert flagged.status == "reconnect_needed"
    assert len(await reconnect_emails("calendar")) == 1
    for text in await banners(client):
        assert "Google Calendar (ada@example.com)" in text
        assert 'href="/calendars">reconnect</a>' in text

    await connect_in_browser(client)
    assert await banners(client) == ["", "", ""]
    fixed = await accounts.get(account.id)
    assert fixed is not None
    assert (fixed.status, fixed.connected_at) == ("ok", account.connected_at)
    (calendar_id,) = await calendars.conflict_calendar_ids()
    [outcome] = await sync.sync_account(account.id)
    assert outcome.ok
    assert outcome.calendar_id == calendar_id


async def test_a_dead_zoom_grant_shows_on_every_page_until_reconnected(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar, zoom: ZoomEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_zoom_in_browser(client)
    [account] = await accounts.of_host(ada.host.id, "video")
    video = app.state.video
    for _ in range(2):  # a second failure neither flags again nor e-mails again
        await video_service.reconnect_needed(
            video, account, "Zoom refused.", video.bookings.clock()
        )
    assert len(await reconnect_emails("video")) == 1
    for text in await banners(client):
        assert "Zoom (" in text
        assert 'href="/dashboard/video">reconnect</a>' in text

    await connect_zoom_in_browser(client)
    assert await banners(client) == ["", "", ""]


async def test_connected_at_survives_a_disconnect(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar
) -> None:
    """Two-way sync never reaches back before the first connection, so a host who
    disconnects and connects the same account again keeps its first date."""
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_in_browser(client)
    [first] = await accounts.of_host(ada.host.id)
    services = app.state.calendars
    await service.disconnect(services.env, services.sync, ada.host.id, first.id)
    assert await accounts.of_host(ada.host.id) == []

    await connect_in_browser(client)
    [again] = await accounts.of_host(ada.host.id)
    assert again.connected_at == first.connected_at
    assert again.authorized_at is not None
    assert first.authorized_at is not None
    assert again.authorized_at >= first.authorized_at
