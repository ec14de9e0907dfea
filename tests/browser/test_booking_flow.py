"""An invitee in New York books Ada (Berlin) in a real browser and cancels; a slot taken
meanwhile sends them back to fresh times with what they typed kept."""

from __future__ import annotations

import re
from datetime import datetime
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
    slots.first.click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Grace Hopper")
    expect(page.get_by_label("E-mail")).to_have_value("grace@example.com")
