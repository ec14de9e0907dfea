"""A host sets up working hours and an event type in a real browser (Debian's
chromium), copies its link, and an invitee in another zone books it there: the
editor's "add a range" script, the searchable zone list, the copy button's announced
status, the booking page showing the slot. At desktop width and on a phone (390 px),
with screenshots of each page kept; the Content-Security-Policy blocks nothing."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.browser.conftest import ARTIFACTS, BROWSER_ZONE, uvicorn_server
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
SCHEDULE_ZONE = "Asia/Tokyo"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


async def _seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        await hosts.create(
            HostCreate(
                email=EMAIL, slug="ada", time_zone="Europe/Berlin", name="Ada", password=PASSWORD
            )
        )
    finally:
        await database.stop(engine)


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))
    with uvicorn_server(database_url, tmp_path) as url:
        yield url


@pytest.fixture(params=[1280, 390], ids=["desktop", "phone"])
def width(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def clipboard_page(browser: Browser, width: int) -> Iterator[Page]:
    """The conftest's page, allowed to use the clipboard, at ``width``."""
    context = browser.new_context(
        timezone_id=BROWSER_ZONE,
        locale="en-US",
        viewport={"width": width, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield opened
    context.close()
    assert errors == [], "the page's script failed or the CSP blocked something"


def _shot(page: Page, name: str, width: int) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"the {name} page scrolls sideways at {width} px"
    page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)


def test_set_up_hours_and_an_event_type_then_an_invitee_books_it(
    server: str, clipboard_page: Page, width: int
) -> None:
    page = clipboard_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard"))

    # Working hours in Tokyo: two ranges every day (the second added by the script).
    page.goto(f"{server}/dashboard/schedules/new")
    page.get_by_label("Name").fill("Around the clock")
    zone = page.get_by_label("Time zone")
    expect(page.locator('#zone-list option[value="Asia/Tokyo"]')).to_have_text(
        re.compile(r"^Japan Time - Tokyo \(UTC\+09:00\)$")
    )
    zone.fill(SCHEDULE_ZONE)
    for day in DAYS:
        box = page.get_by_role("group", name=day)
        rows = box.locator("[data-range-row]")
        # The script drops the blank rows: weekdays keep 09:00-17:00, the weekend is off.
        expect(rows).to_have_count(1 if day not in ("Saturday", "Sunday") else 0)
        while rows.count() < 2:
            box.get_by_role("button", name=f"Add a range to {day}").click()
        rows.nth(0).get_by_label(f"{day} from").fill("00:00")
        rows.nth(0).get_by_label(f"{day} to").fill("12:00")
        rows.nth(1).get_by_label(f"{day} from").fill("12:00")
        rows.nth(1).get_by_label(f"{day} to").fill("23:59")
    # A date override, added and removed again by button.
    page.get_by_role("button", name="Add a date").click()
    page.get_by_role("button", name="Remove this date").click()
    expect(page.get_by_text("No date overrides.")).to_be_visible()
    # A bad range first: every problem is marked, nothing typed is lost.
    monday = page.get_by_role("group", name="Monday").locator("[data-range-row]")
    monday.nth(1).get_by_label("Monday from").fill("11:00")
    page.get_by_role("button", name="Create schedule").click()
    expect(page.get_by_role("alert")).to_have_text("Nothing was saved: 1 field needs fixing.")
    expect(page.get_by_text("'11:00-23:59' overlaps '00:00-12:00'")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value(SCHEDULE_ZONE)
    _shot(page, "schedule-errors", width)
    monday = page.get_by_role("group", name="Monday").locator("[data-range-row]")
    monday.nth(1).get_by_label("Monday from").fill("12:00")
    page.get_by_role("button", name="Create schedule").click()
    expect(page.get_by_role("status")).to_have_text("Saved Around the clock.")
    _shot(page, "schedule-edit", width)
    page.get_by_role("link", name="All working hours").click()
    expect(page.get_by_role("link", name="Around the clock")).to_be_visible()
    _shot(page, "schedules", width)

    # The event type, on those hours.
    page.goto(f"{server}/dashboard/event-types/new")
    page.get_by_label("Title").fill("Tea time")
    page.get_by_label("Duration (minutes)").fill("0")
    page.get_by_label("Working hours").select_option(label="Around the clock (Asia/Tokyo)")
    page.get_by_label("Minimum notice (minutes)").fill("")
    page.get_by_role("button", name="Create event type").click()
    expect(page.get_by_role("alert")).to_have_text("Nothing was saved: 2 fields need fixing.")
    expect(page.locator("#duration_minutes-error")).to_have_text("must be at least 5.")
    expect(page.locator("#minimum_notice_minutes-error")).to_have_text("is required.")
    expect(page.get_by_label("Title")).to_have_value("Tea time")
    _shot(page, "event-type-errors", width)
    page.get_by_label("Duration (minutes)").fill("30")
    page.get_by_label("Minimum notice (minutes)").fill("0")
    page.get_by_role("button", name="Create event type").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_have_text("Saved Tea time.")
    _shot(page, "event-type-edit", width)

    page.get_by_role("link", name="All event types").click()
    link = f"{server}/ada/tea-time"
    expect(page.get_by_role("link", name=link)).to_be_visible()
    page.get_by_role("button", name="Copy link to Tea time").click()
    expect(page.get_by_role("status")).to_have_text(f"Copied {link}")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == link
    _shot(page, "event-types", width)

    # The invitee, in New York, on the copied link.
    page.goto(copied)
    expect(page.get_by_role("heading", name="Tea time")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value(BROWSER_ZONE)
    page.locator("#month-days td.day[aria-selected]").first.click()
    slot = page.locator("#slot-list button.slot").last
    expect(slot).to_be_visible()
    start = datetime.fromisoformat(slot.get_attribute("data-start") or "")
    local = start.astimezone(ZoneInfo(BROWSER_ZONE))
    expect(slot).to_have_text(
        re.compile(rf"^{local.hour % 12 or 12}:{local.minute:02d}\s{local:%p}$")
    )
    _shot(page, "event-type-booking-page", width)
    slot.click()
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_role("button", name="Schedule event").click()
    expect(page.get_by_role("heading", name="You are scheduled")).to_be_visible()

    # Booked: it can no longer be deleted, only hidden.
    page.goto(f"{server}/dashboard/event-types")
    page.get_by_role("link", name="Delete Tea time").click()
    expect(page.get_by_text("has bookings, so it cannot be deleted")).to_be_visible()
    page.get_by_role("button", name="Hide Tea time").click()
    expect(page.get_by_text("Hidden", exact=True)).to_be_visible()
    _shot(page, "event-types-hidden", width)
