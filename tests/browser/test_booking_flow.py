"""An invitee in New York books Ada (Berlin) in a real browser and cancels; a slot taken
meanwhile sends them back to fresh times with what they typed kept."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import ARTIFACTS, BROWSER_ZONE, LiveServer

pytestmark = pytest.mark.browser


def clock_time(slot: Locator, zone: str) -> re.Pattern[str]:
    """The slot's start as en-US spells it in ``zone``, e.g. 9:30 PM (any space before PM)."""
    start = datetime.fromisoformat(slot.get_attribute("data-start") or "")
    local = start.astimezone(ZoneInfo(zone))
    return re.compile(rf"^{local.hour % 12 or 12}:{local.minute:02d}\s{local:%p}$")


def test_invitee_books_a_slot_in_their_zone_and_cancels_it(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/{live_server.host_slug}/{live_server.event_slug}")
    expect(page.get_by_role("heading", name="Intro call")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value(BROWSER_ZONE)

    first_day = page.locator("#month-days td.day[aria-selected]").first
    first_day.click()
    expect(first_day).to_have_attribute("aria-selected", "true")
    # The day's last slot: the first may start within seconds and be gone when we submit.
    slot = page.locator("#slot-list button.slot").last
    slot_text = slot.inner_text()
    start = datetime.fromisoformat(slot.get_attribute("data-start") or "")
    expect(slot).to_have_text(clock_time(slot, BROWSER_ZONE))
    slot.click()

    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_label("Guests").fill("dan@example.com, ")
    page.get_by_label("Anything that helps").fill("Let's talk compilers.")
    page.get_by_role("button", name="Schedule event").click()

    expect(page.get_by_role("heading", name="You are scheduled")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/booking/[0-9a-f]{32}\?token=[\w-]+$"))
    expect(page.locator("#booking-zone")).to_have_text(BROWSER_ZONE)
    expect(page.locator("time")).to_contain_text(slot_text)
    expect(page.locator(".summary")).to_contain_text("dan@example.com")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "booking-confirmation.png", full_page=True)

    uid = urlsplit(page.url).path.rsplit("/", 1)[1]
    token = parse_qs(urlsplit(page.url).query)["token"][0]
    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", name="Cancel this meeting?")).to_be_visible()
    page.get_by_label("Reason for cancelling").fill("Something came up")
    page.get_by_role("button", name="Cancel meeting").click()

    expect(page.get_by_role("heading", name="Cancelled", exact=True)).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("Something came up")
    expect(page.get_by_role("link", name="Cancel", exact=True)).to_have_count(0)

    booking = httpx.get(
        f"{live_server.url}/api/v1/public/bookings/{uid}", params={"token": token}
    ).json()
    assert booking["status"] == "cancelled"
    assert booking["cancel_reason"] == "Something came up"
    assert booking["invitee"]["time_zone"] == BROWSER_ZONE
    assert booking["start"] == start.isoformat().replace("+00:00", "Z")


def test_a_slot_taken_meanwhile_sends_the_invitee_back_to_fresh_times(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/{live_server.host_slug}/{live_server.event_slug}")
    page.locator("#month-days td.day[aria-selected]").first.click()
    slots = page.locator("#slot-list button.slot")
    expect(slots.first).to_have_text(clock_time(slots.first, BROWSER_ZONE))

    with page.expect_response(re.compile(r"/slots\?.*tz=Asia%2FTokyo")):
        page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.locator("#month-days td.day[aria-selected]").first.click()
    expect(slots.first).to_have_text(clock_time(slots.first, "Asia/Tokyo"))
    page.get_by_label("Time zone").select_option(BROWSER_ZONE)
    page.locator("#month-days td.day[aria-selected]").first.click()
    taken = slots.last.get_attribute("data-start")
    slots.last.click()
    page.get_by_label("Name", exact=True).fill("Grace Hopper")
    page.get_by_label("E-mail").fill("grace@example.com")

    other = httpx.post(
        f"{live_server.url}/api/v1/public/ada/intro/bookings",
        json={
            "start": taken,
            "name": "Someone Else",
            "email": "else@example.com",
            "time_zone": "UTC",
        },
    )
    assert other.status_code == 201, other.text
    page.get_by_role("button", name="Schedule event").click()

    expect(page.get_by_role("alert").filter(has_text="no longer available")).to_be_visible()
    expect(page.locator(f'#slot-list button[data-start="{taken}"]')).to_have_count(0)
    # The taken time may have been its day's last (late in the evening, with no notice
    # needed): then that day is closed now, and the invitee picks the next open one.
    expect(page.locator("table:has(#month-days)")).not_to_have_attribute("aria-busy", "true")
    page.locator("#month-days td.day[aria-selected]").first.click()
    slots.first.click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Grace Hopper")
    expect(page.get_by_label("E-mail")).to_have_value("grace@example.com")


def test_keyboard_grid_zone_search_and_phone_layout(live_server: LiveServer, page: Page) -> None:
    """The month is one Tab stop that arrow keys move through (across months too); the
    zone list finds "tokyo"; on a phone the times come into view after a day is tapped."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/{live_server.host_slug}/{live_server.event_slug}")
    days = page.locator("#month-days td.day")
    expect(days.locator("xpath=self::*[@aria-selected]").first).to_be_visible()
    expect(page.locator("#month-days td[tabindex='0']")).to_have_count(1)

    page.locator("#next-month").focus()
    page.keyboard.press("Tab")
    stop = page.locator("#month-days td[tabindex='0']")
    expect(stop).to_be_focused()
    expect(stop).to_have_attribute(
        "aria-label", re.compile(r"^\w+day, \w+ \d+, 20\d\d, \d+ times? available")
    )
    first = date.fromisoformat(stop.get_attribute("data-date") or "")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Search zones")).to_be_focused()  # one stop for the whole month
    page.keyboard.press("Shift+Tab")
    expect(stop).to_be_focused()

    def focused(day: date) -> None:
        expect(page.locator(f'#month-days td[data-date="{day.isoformat()}"]')).to_be_focused()

    page.keyboard.press("ArrowRight")
    focused(first + timedelta(days=1))
    page.keyboard.press("ArrowDown")
    focused(first + timedelta(days=8))
    page.keyboard.press("ArrowLeft")
    focused(first + timedelta(days=7))
    page.keyboard.press("PageDown")  # the same day of the next month (loaded on the way)
    later = first + timedelta(days=7)
    year, month = divmod(later.year * 12 + later.month, 12)
    down = date(year, month + 1, min(later.day, monthrange(year, month + 1)[1]))
    focused(down)
    page.keyboard.press("PageUp")
    later = later.replace(day=down.day)  # the 31st came back as the 30th, say
    focused(later)
    page.keyboard.press("End")
    end = date.fromisoformat(page.evaluate("document.activeElement.dataset.date"))
    page.keyboard.press("Home")
    focused(end - timedelta(days=6))
    page.keyboard.press("End")
    focused(end)
    page.locator(".calendar").screenshot(path=ARTIFACTS / "invitee-grid-focus.png")
    page.keyboard.press("Enter")  # picked at once, or once the month has loaded
    picked = page.locator(f'#month-days td[data-date="{end.isoformat()}"]')
    expect(picked).to_have_attribute("aria-selected", "true")
    expect(page.locator("#slot-list button.slot").first).to_be_focused()
    page.screenshot(path=ARTIFACTS / "invitee-1280.png", full_page=True)

    search = page.get_by_label("Search zones")
    search.fill("tokyo")
    expect(page.locator("#zone-matches")).to_have_text("1 zone matches; Enter picks it.")
    with page.expect_response(re.compile(r"/slots\?.*tz=Asia%2FTokyo")):
        search.press("Enter")
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("Asia/Tokyo")
    expect(zone.locator("option:checked")).to_have_text("Japan Time - Tokyo (UTC+09:00)")
    search.fill("eastern new york")
    expect(zone.locator("option", has_text="Eastern Time - New York (UTC-0")).to_have_count(2)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, "the invitee page scrolls sideways on a phone"
    page.emulate_media(reduced_motion="reduce")  # scrolled at once, not smoothly
    # Next month: a whole day of times (today's may be a few, too few to scroll).
    page.get_by_role("button", name="Next month").click()
    page.locator("#month-days td.day[aria-selected]").nth(1).click()
    expect(page.locator("#slots-heading")).to_be_in_viewport()
    top = page.evaluate("document.getElementById('slots').getBoundingClientRect().top")
    assert 0 <= top < 50, "the times are scrolled to the top of the phone's screen"
    expect(page.locator("#slot-list button.slot").first).to_be_in_viewport()
    page.screenshot(path=ARTIFACTS / "invitee-390.png")
    page.screenshot(path=ARTIFACTS / "invitee-390-full.png", full_page=True)
