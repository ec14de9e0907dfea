"""A host connects Microsoft 365 in a real browser: the calendars page, Entra ID's
consent (the emulator, over HTTPS) and back; the page then lists the account and its
calendars, and fits a phone's width."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.browser.conftest import ARTIFACTS, uvicorn_server
from tests.emulators.microsoft import MicrosoftGraphEmulator
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@contoso.example"
PASSWORD = "correct horse battery"


async def _seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        await hosts.create(
            HostCreate(email=EMAIL, slug="ada", time_zone="UTC", name="Ada", password=PASSWORD)
        )
    finally:
        await database.stop(engine)


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email=EMAIL) as emulator:
        emulator.add_calendar("Team", hex_color="#2f80ed")
        yield emulator


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path, ms: MicrosoftGraphEmulator) -> Iterator[str]:
    """The app in its own process, Microsoft pointed at the emulator. PUBLIC_URL is
    the address the browser uses: Entra sends the browser back there."""
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))
    extra = {
        "GOOGLE_CLIENT_ID": "google-client",  # both connect links on the page
        "GOOGLE_CLIENT_SECRET": "unused",
        "MICROSOFT_CLIENT_ID": ms.client_id,
        "MICROSOFT_CLIENT_SECRET": ms.client_secret,
        "MICROSOFT_AUTHORITY": ms.authority,
        "MICROSOFT_GRAPH_URL": ms.graph_url,
        "MICROSOFT_CA_FILE": ms.ca_file,
    }
    with uvicorn_server(database_url, tmp_path, extra) as url:
        yield url


def test_host_connects_microsoft_365_and_the_page_fits_a_phone(
    server: str, browser: Browser
) -> None:
    # ``server`` first: it seeds the database with asyncio.run, which cannot run
    # inside the loop that sync playwright keeps.
    # The emulator's certificate is made for this run; the browser is told to accept
    # it (the app itself checks it against MICROSOFT_CA_FILE).
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server}/login?next=/calendars")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    # Signing in leads to the page asked for; a goto right after the click could
    # overtake the sign-in and land on the login form instead.
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}/calendars")
    expect(page.get_by_role("link", name="Connect Google Calendar")).to_be_visible()
    page.get_by_role("link", name="Connect Microsoft 365").click()

    # Entra ID consents at once and sends the browser back to our callback.
    expect(page).to_have_url(f"{server}/calendars")
    expect(page.get_by_role("heading", name=f"Microsoft: {EMAIL}")).to_be_visible()
    expect(page.get_by_text("Status: connected")).to_be_visible()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "calendars-desktop.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("link", name="Connect Microsoft 365")).to_be_in_viewport()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, "the page scrolls sideways on a phone"
    page.screenshot(path=ARTIFACTS / "calendars-phone.png", full_page=True)
    context.close()
