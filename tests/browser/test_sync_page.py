"""A host sets up calendar sync in a real browser (Debian's chromium): connects Google
(the emulator), allows writing, chooses two-way and saves, previews the first sync,
unticks an event, syncs now and follows the run to the history; the page fits a
phone and the Content-Security-Policy blocks nothing (the ``page`` fixture checks)."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.browser.conftest import ARTIFACTS, follow_nav, uvicorn_server
from tests.emulators.google import GoogleCalendarEmulator
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
#: Activities the first sync sends out: enough for the progress bar to be seen with
#: the emulator's latency.
CALLS = 10
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(
    hour=9, minute=0, second=0, microsecond=0
)


async def _seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        host = await hosts.create(
            HostCreate(
                email=EMAIL, slug="ada", time_zone="Europe/Berlin", name="Ada", password=PASSWORD
            )
        )
        for number in range(CALLS):
            start = TOMORROW + timedelta(days=number)
            await activities.create(
                host.id,
                ActivityCreate(
                    title=f"Call with client {number + 1}",
                    start=start,
                    end=start + timedelta(minutes=30),
                    location="Phone",
                ),
            )
    finally:
        await database.stop(engine)


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=EMAIL) as emulator:
        emulator.add_event(
            EMAIL,
            summary="Dentist",
            start=TOMORROW + timedelta(hours=5),
            end=TOMORROW + timedelta(hours=6),
        )
        emulator.add_event(
            EMAIL,
            summary="Lunch with Bob",
            start=TOMORROW + timedelta(hours=3),
            end=TOMORROW + timedelta(hours=4),
            attendees=[{"email": "bob@example.com", "responseStatus": "accepted"}],
        )
        yield emulator


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path, google: GoogleCalendarEmulator) -> Iterator[str]:
    """The app in its own process, Google pointed at the emulator; PUBLIC_URL is the
    address the browser uses (the consent sends the browser back there)."""
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))
    extra = {
        "GOOGLE_CLIENT_ID": google.client_id,
        "GOOGLE_CLIENT_SECRET": google.client_secret,
        "GOOGLE_AUTH_URI": google.authorize_url,
        "GOOGLE_TOKEN_URI": google.token_uri,
        "GOOGLE_REVOKE_URI": google.revoke_uri,
        "GOOGLE_API_ENDPOINT": google.api_endpoint,
    }
    with uvicorn_server(database_url, tmp_path, extra) as url:
        yield url


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, "the page scrolls sideways"


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_host_sets_up_previews_and_runs_a_sync(
    server: str, page: Page, google: GoogleCalendarEmulator, width: int
) -> None:
    # ``server`` first: it seeds the database with asyncio.run, which cannot run inside
    # the loop that sync playwright keeps.
    page.set_viewport_size({"width": width, "height": 900})
    shots = ARTIFACTS / f"sync-{'desktop' if width > 600 else 'phone'}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    follow_nav(page, "Calendars")
    page.get_by_role("link", name="Connect Google Calendar").click()
    expect(page.get_by_role("heading", name=f"Google: {EMAIL}")).to_be_visible()

    follow_nav(page, "Calendar sync")
    account = page.locator("section.card", has=page.get_by_role("heading", name=f"Google: {EMAIL}"))
    expect(account.get_by_text("read access only")).to_be_visible()
    expect(account.get_by_role("radio", name=re.compile("^Two-way"))).to_be_disabled()
    page.screenshot(path=f"{shots}-read-only.png", full_page=True)
    account.get_by_role("link", name="Allow Rendezvous to add and change events").click()
    # Google asks again, for writing this time, and sends the browser back.
    expect(page).to_have_url(f"{server}/calendars")
    follow_nav(page, "Calendar sync")
    expect(account.get_by_text("read access only")).to_have_count(0)

    expect(account.get_by_label("Linked calendar")).to_contain_text("(primary)")
    account.get_by_role("radio", name=re.compile("^Two-way")).check()
    account.get_by_role("checkbox", name="Sync automatically").uncheck()
    account.get_by_role("checkbox", name="In the calendar: never delete").check()
    account.get_by_label("Days back").fill("7")
    # A mistake first: every bad field is named, what was typed stays.
    account.get_by_label("Every (minutes)").fill("1")
    account.get_by_label("Only from").fill("08:00")
    account.get_by_role("button", name="Save sync settings").click()
    expect(account.get_by_text("2 settings need a change")).to_be_visible()
    expect(account.get_by_text("A whole number of minutes from 5 to 1440.")).to_be_visible()
    expect(account.get_by_text("Give both ends of the time-of-day range")).to_be_visible()
    expect(account.get_by_label("Days back")).to_have_value("7")
    expect(account.get_by_role("radio", name=re.compile("^Two-way"))).to_be_checked()
    page.screenshot(path=f"{shots}-errors.png", full_page=True)
    account.get_by_label("Every (minutes)").fill("30")
    account.get_by_label("Only from").fill("")
    account.get_by_role("button", name="Save sync settings").click()
    expect(account.get_by_text("Sync settings saved.")).to_be_visible()
    expect(account.get_by_role("checkbox", name="In the calendar: never delete")).to_be_checked()
    expect(account.get_by_label("Days back")).to_have_value("7")

    account.get_by_role("button", name="Preview sync").click()
    plan = account.get_by_role("table", name="What Sync now will do")
    expect(plan).to_be_visible()
    expect(plan.get_by_role("row")).to_have_count(1 + CALLS + 2)
    for title in ("Dentist", "Lunch with Bob", "Call with client 1"):
        expect(plan.get_by_role("row", name=re.compile(f"{title}\\b"))).to_have_count(1)
    page.screenshot(path=f"{shots}-preview.png", full_page=True)
    plan.screenshot(path=f"{shots}-preview-plan.png")
    dentist = plan.get_by_role("checkbox", name="Include: create “Dentist” in the CRM")
    expect(dentist).to_be_checked()
    dentist.uncheck()

    google.set_latency(0.3)
    account.get_by_role("button", name="Sync now").click()
    progress = account.locator("progress")
    expect(progress).to_be_visible()
    # The script follows the run: the bar fills as the writes are made.
    expect(progress).to_have_attribute("value", re.compile(r"^[1-9]"), timeout=15_000)
    page.screenshot(path=f"{shots}-progress.png")
    # The script reloads the page when the run is over.
    history = account.get_by_role("table", name=re.compile("Latest syncs"))
    expect(progress).to_have_count(0, timeout=30_000)
    google.set_latency(0)
    first = history.get_by_role("row").nth(1)
    expect(first).to_contain_text("manual, two-way")
    expect(first).to_contain_text("done")
    expect(first).to_contain_text(f"In the calendar: {CALLS} create (done)")
    expect(first).to_contain_text("In the CRM: 1 create (done)")
    expect(first).to_contain_text("1 skipped")
    page.screenshot(path=f"{shots}-history.png", full_page=True)
    history.screenshot(path=f"{shots}-history-table.png")
    no_sideways_scroll(page)

    pushed = sorted(e["summary"] for e in google.events(EMAIL))
    assert pushed == sorted(
        ["Dentist", "Lunch with Bob", *(f"Call with client {n + 1}" for n in range(CALLS))]
    )

    # The unticked event stays out of the next preview until ticked again.
    account.get_by_role("button", name="Preview sync").click()
    dentist = plan.get_by_role("checkbox", name="Include: create “Dentist” in the CRM")
    expect(dentist).not_to_be_checked()
    expect(plan.get_by_role("row", name=re.compile("Dentist"))).to_contain_text("you unticked it")

    # A pushed event links back to its activity's page.
    call = next(e for e in google.events(EMAIL) if e["summary"] == "Call with client 1")
    link = re.search(r"/dashboard/activities/[0-9]+", call.get("description", ""))
    assert link, "a pushed event links back to its activity"
    page.goto(server + link.group(0))
    expect(page.get_by_role("heading", name="Call with client 1")).to_be_visible()
    expect(page.get_by_text("Phone")).to_be_visible()
    page.screenshot(path=f"{shots}-activity.png", full_page=True)
    no_sideways_scroll(page)
