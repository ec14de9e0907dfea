"""A host uses the activities calendar in a real browser (Debian's chromium), at desktop
and phone widths: sees the week's activities in their type's colour beside the
calendar's grey busy time, switches views and finds the choice kept after a reload,
moves an activity by drag and finds it moved after a reload, is told why an activity
someone else organises cannot be moved, and adds one by selecting a range. The
Content-Security-Policy blocks nothing (the ``page`` fixture checks)."""

from __future__ import annotations

import asyncio
import re
import shutil
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from booking.activities import repository as activity_rows
from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate, ActivityTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars import repository as calendar_rows
from integrations.calendars.records import CalendarChange
from integrations.sync import crm
from tests.browser.conftest import ARTIFACTS, uvicorn_server
from tests.web.pages.test_activities_calendar import block
from tests.web.pages.test_sync_page import add_account
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
ZONE = ZoneInfo("Europe/Berlin")  # the host's; the browser is in New York


def _this_week() -> datetime:
    """Monday 00:00 of the current week in the host's zone: the server runs on real time."""
    today = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday())


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
        call = await activities.create_type(ActivityTypeCreate(name="Demo", colour="#dc2626"))
        monday = _this_week()
        wednesday = monday + timedelta(days=2, hours=10)
        await activities.create(
            host.id,
            ActivityCreate(title="Kick-off", start=wednesday, end=wednesday + timedelta(hours=1)),
        )
        thursday = monday + timedelta(days=3, hours=14)
        demo = await activities.create(
            host.id,
            ActivityCreate(
                title="Product demo",
                start=thursday,
                end=thursday + timedelta(hours=1),
                activity_type_id=call.id,
            ),
        )
        tuesday = monday + timedelta(days=1, hours=9)
        theirs = await activities.create(
            host.id,
            ActivityCreate(
                title="Partner sync", start=tuesday, end=tuesday + timedelta(minutes=45)
            ),
        )
        await crm.set_organiser(theirs.id, "dora@partner.example")
        # A guest whose address two contacts share waits for the host's choice.
        await activity_rows.set_ambiguous(demo.id, ["team@acme.example"])
        account_id = await add_account(host.id, "caldav", EMAIL, ["Work"])
        [work] = await calendar_rows.calendars_of_account(account_id)
        await calendar_rows.update_calendar(work.id, CalendarChange(is_conflict=True))
        await block(work.id, "ext-1", monday + timedelta(days=1, hours=13), title="Dentist")
        await block(
            work.id, "ext-2", monday + timedelta(days=4, hours=11), private=True, title=None
        )
    finally:
        await database.stop(engine)


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str

    def change(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write to the server's database behind the page's back, as another tab or the
        calendar sync would (in a thread: sync playwright owns this one's event loop)."""

        async def run() -> None:
            engine = database.build_engine(self.database_url)
            database.bind(engine)
            await database.start(engine)
            try:
                await write()
            finally:
                await database.stop(engine)

        worker = threading.Thread(target=asyncio.run, args=(run(),))
        worker.start()
        worker.join()


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[Server]:
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))
    with uvicorn_server(database_url, tmp_path) as url:
        yield Server(url=url, database_url=database_url)


def shown(page: Page, title: str, kind: str = "activity") -> Locator:
    return page.locator(f"#calendar .{kind}").filter(has_text=title)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, "the page scrolls sideways"


def drag(page: Page, item: Locator, target: Locator) -> None:
    """A mouse drag in small steps, as FullCalendar's pointer tracking needs."""
    target.scroll_into_view_if_needed()
    item.scroll_into_view_if_needed()
    start, end = item.bounding_box(), target.bounding_box()
    assert start
    assert end
    page.mouse.move(start["x"] + 8, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def switch_to(page: Page, view: str) -> None:
    """Choose another view and wait until the server has stored the choice.

    Without the wait the next navigation can overtake the POST that remembers it.
    """
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/view") and r.ok
    ):
        page.get_by_role("tab", name=f"{view} view").click()
    expect(page.get_by_role("tab", name=f"{view} view")).to_have_attribute("aria-selected", "true")


@pytest.mark.parametrize("width", [1280, 390])
def test_host_sees_switches_and_drags_activities(server: Server, page: Page, width: int) -> None:
    # ``server`` first: it seeds with asyncio.run, which cannot run inside sync playwright.
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{server.url}/login?next=/dashboard/activities")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Activities", level=1)).to_be_visible()

    # The month opens first, in the host's zone (10:00 Berlin, not 04:00 New York).
    expect(page.get_by_role("tab", name="Month view")).to_have_attribute("aria-selected", "true")
    kickoff = shown(page, "Kick-off")
    if width >= 1024:  # a phone's month has room for titles only
        expect(kickoff).to_contain_text("10a")
    expect(kickoff).to_have_attribute("style", re.compile("--fc-event-color: #4f46e5"))
    expect(shown(page, "Product demo")).to_have_attribute(
        "style", re.compile("--fc-event-color: #dc2626")
    )
    expect(shown(page, "Dentist", "busy")).to_have_attribute(
        "style", re.compile("--fc-event-color: #9ca3af")
    )
    expect(shown(page, "Busy", "busy")).to_be_visible()
    expect(page.get_by_role("region", name="Colour key")).to_contain_text("Demo")
    attention = page.get_by_role("region", name="1 activity needs your attention")
    expect(attention).to_contain_text("Product demo: team@acme.example")
    expect(attention.get_by_role("link", name="Choose the contacts")).to_have_attribute(
        "href", "/dashboard/needs-attention"
    )
    expect(shown(page, "Partner sync")).to_have_attribute(
        "title", re.compile("Organised by dora@partner.example")
    )
    no_sideways_scroll(page)
    page.screenshot(path=ARTIFACTS / f"activities-calendar-{width}-month.png", full_page=True)

    # Drag Kick-off from Wednesday to Thursday; it is still there after a reload.
    monday = _this_week()
    thursday = (monday + timedelta(days=3)).date().isoformat()
    drag(page, kickoff, page.locator(f'[data-date="{thursday}"]'))
    expect(page.get_by_role("alert")).to_have_text("Moved “Kick-off”.")
    page.reload()
    expect(page.locator(f'[data-date="{thursday}"]').locator(".activity")).to_contain_text(
        ["Kick-off"]
    )

    # Kick-off became someone else's meanwhile (the calendar sync saw its organiser
    # change): the move is refused, said, and undone.
    friday = (monday + timedelta(days=4)).date().isoformat()

    async def organised_elsewhere() -> None:
        host = await hosts.get_by_email(EMAIL)
        [kick_off] = [a for a in await activities.list_for(host.id) if a.title == "Kick-off"]
        await crm.set_organiser(kick_off.id, "erin@partner.example")

    server.change(organised_elsewhere)
    drag(page, shown(page, "Kick-off"), page.locator(f'[data-date="{friday}"]'))
    expect(page.get_by_role("alert")).to_contain_text(
        "“Kick-off” was not moved: This activity is organised by erin@partner.example"
    )
    expect(page.locator(f'[data-date="{thursday}"]')).to_contain_text("Kick-off")
    expect(page.locator(f'[data-date="{friday}"]')).not_to_contain_text("Kick-off")

    # One someone else organises does not move.
    tuesday = (monday + timedelta(days=1)).date().isoformat()
    drag(page, shown(page, "Partner sync"), page.locator(f'[data-date="{thursday}"]'))
    page.reload()
    expect(
        page.locator(f'[data-date="{tuesday}"]').locator(".activity", has_text="Partner sync")
    ).to_be_visible()

    # Select a day (a free Saturday) to add an activity: a dialog asks for its title and type.
    saturday = (monday + timedelta(days=5)).date().isoformat()
    cell = page.locator(f'[data-date="{saturday}"]')
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.75)
    dialog = page.get_by_role("dialog", name="New activity")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("All day")).to_be_checked()
    expect(dialog.get_by_label("Starts")).to_have_value(saturday)
    expect(dialog.get_by_label("Last day")).to_have_value(saturday)
    dialog.get_by_label("Title").fill("Plan the offsite")
    dialog.get_by_label("Type").select_option(label="Task")
    page.screenshot(path=ARTIFACTS / f"activities-calendar-{width}-new.png")
    dialog.get_by_role("button", name="Add activity").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("alert")).to_have_text("Added “Plan the offsite”.")
    page.reload()
    expect(page.locator(f'[data-date="{saturday}"]')).to_contain_text("Plan the offsite")

    # Without a mouse: the button opens the same dialog, times typed in the host's zone.
    page.get_by_role("button", name="Add activity").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.type("Call the venue")
    dialog.get_by_label("Starts").fill(f"{saturday}T16:00")
    dialog.get_by_label("Ends").fill(f"{saturday}T16:30")
    dialog.get_by_label("Ends").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Added “Call the venue”.")

    # An activity opens its page.
    shown(page, "Product demo").click()
    expect(page.get_by_role("heading", name="Product demo", level=1)).to_be_visible()
    page.go_back()

    # The week, then the list: each choice is where the page opens next time.
    switch_to(page, "Week")
    expect(shown(page, "Product demo")).to_be_visible()
    page.reload()
    expect(page.get_by_role("tab", name="Week view")).to_have_attribute("aria-selected", "true")
    page.screenshot(path=ARTIFACTS / f"activities-calendar-{width}-week.png", full_page=True)
    no_sideways_scroll(page)
    switch_to(page, "List")
    page.goto(f"{server.url}/dashboard/activities")
    expect(page.get_by_role("tab", name="List view")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#calendar")).to_contain_text("Plan the offsite")
    expect(page.locator("#calendar")).to_contain_text("Dentist")
    page.screenshot(path=ARTIFACTS / f"activities-calendar-{width}-list.png", full_page=True)
    no_sideways_scroll(page)
