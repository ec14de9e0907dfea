"""A host's bookings in a real browser (Debian's chromium): see a booking in the
list, move it to another free time, cancel another after confirming, and ask why a
time is not bookable; at 1280 and 390 px, screenshots kept in test-artifacts/."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.bookings import service as bookings
from booking.bookings.links import LinkSigner
from booking.bookings.schemas import BookingCreate
from booking.bookings.service import BookingEnvironment
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, ScheduleUpdate
from tests.browser.conftest import ARTIFACTS, uvicorn_server
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class Seeded:
    url: str
    #: A day two days ahead, in Ada's zone, with both bookings on it at 10:00 and 12:00.
    day: date


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN)


async def _seed(database_url: str, day: date) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        host = await hosts.create(
            HostCreate(
                email=EMAIL, slug="ada", time_zone="Europe/Berlin", name="Ada", password=PASSWORD
            )
        )
        default = await schedules.get_default(host.id)
        await schedules.update(
            host.id, default.id, ScheduleUpdate(weekly={d: ["08:00-18:00"] for d in WEEKDAYS})
        )
        await event_types.create(
            host.id,
            EventTypeCreate(
                title="Intro call",
                slug="intro",
                duration_minutes=30,
                location_kind="phone",
                location_value="+49 30 1234567",
            ),
        )
        env = BookingEnvironment(
            links=LinkSigner("http://127.0.0.1", b"k" * 32), mail_from="rdv@example.com"
        )
        for hour, name in ((10, "Grace Hopper"), (12, "Alan Turing")):
            await bookings.book(
                "ada",
                "intro",
                BookingCreate(
                    start=_at(day, hour),
                    name=name,
                    email=f"{name.split()[0].lower()}@example.com",
                    time_zone="America/New_York",
                    guests=["dan@example.com"] if hour == 10 else [],
                ),
                env,
            )
        await activities.create(
            host.id,
            ActivityCreate(title="Board meeting", start=_at(day, 15), end=_at(day, 16)),
        )
    finally:
        await database.stop(engine)


def _weekday_ahead() -> date:
    day = datetime.now(BERLIN).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[Seeded]:
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    day = _weekday_ahead()
    asyncio.run(_seed(database_url, day))
    with uvicorn_server(database_url, tmp_path) as url:
        yield Seeded(url=url, day=day)


def _shoot(page: Page, name: str) -> None:
    """A desktop screenshot, then the same page at 390 px: no sideways scrolling."""
    page.screenshot(path=ARTIFACTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"the {name} page scrolls sideways on a phone"
    page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_host_sees_moves_and_cancels_bookings_and_explains_a_blocked_time(
    server: Seeded, page: Page
) -> None:
    # ``server`` first: it seeds with asyncio.run, which cannot run inside sync playwright.
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server.url}/login?next=/dashboard/bookings")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Bookings", level=1)).to_be_visible()
    day = f"{server.day:%A, %Y-%m-%d}"
    grace = page.get_by_role("row").filter(has_text="Grace Hopper")
    expect(grace).to_contain_text(f"{day}, 10:00 to 10:30")
    expect(grace).to_contain_text("Guests: dan@example.com")
    expect(grace).to_contain_text("+49 30 1234567")
    _shoot(page, "bookings-list")

    grace.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Intro call with Grace Hopper")).to_be_visible()
    page.get_by_label("14:00").check()
    page.get_by_label("Reason").first.fill("A clash at ten")
    page.get_by_role("button", name="Move the booking").click()
    expect(page.get_by_role("status")).to_have_text("The booking is moved to its new time.")
    expect(page.get_by_text(f"{day}, 14:00 to 14:30")).to_be_visible()
    _shoot(page, "booking-moved")

    page.get_by_role("link", name="All bookings").click()
    page.get_by_role("row").filter(has_text="Alan Turing").get_by_role("link").click()
    page.get_by_label("Reason").last.fill("Ill today")
    page.get_by_role("button", name="Cancel the booking…").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("with your reason: “Ill today”")
    _shoot(page, "booking-cancel-confirm")
    confirm.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.get_by_role("status")).to_have_text("The booking is cancelled.")
    expect(page.get_by_text("Cancelled: Ill today")).to_be_visible()

    page.get_by_role("link", name="All bookings").click()
    expect(page.get_by_role("row").filter(has_text="Alan Turing")).to_contain_text("Cancelled")
    page.get_by_role("link", name="Why is a time not bookable?").click()
    page.get_by_label("Event type").select_option(label="Intro call (30 min)")
    page.get_by_label("Date", exact=True).fill(server.day.isoformat())
    page.get_by_label("Time", exact=True).fill("15:30")
    page.get_by_role("button", name="Explain").click()
    expect(page.get_by_role("heading", name="Not bookable: 1 reason")).to_be_visible()
    expect(page.locator('[data-reason="activity"]')).to_contain_text(
        "your activity “Board meeting” (15:00 to 16:00)"
    )
    _shoot(page, "explain")
