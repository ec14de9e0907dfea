"""A host manages activity types and settles an ambiguous guest in a real browser
(Debian's chromium): add a type, recolour and rename it, see a type in use refused,
remove the new one, choose the contact of a guest that matched two; the pages fit a
phone and the Content-Security-Policy blocks nothing (the ``page`` fixture checks)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.browser.conftest import ARTIFACTS, uvicorn_server
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"


async def _seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        host = await hosts.create(
            HostCreate(email=EMAIL, slug="ada", time_zone="UTC", name="Ada", password=PASSWORD)
        )
        for name in ("Team Berlin", "Team Paris"):
            await contacts.create(
                host.id, ContactCreate(email="team@acme.example", name=name, allow_duplicate=True)
            )
        await activities.create(
            host.id,
            ActivityCreate(
                title="Quarterly review",
                start=datetime(2026, 3, 3, 9, tzinfo=UTC),
                end=datetime(2026, 3, 3, 10, tzinfo=UTC),
                guests=["team@acme.example"],
            ),
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


def _fits_a_phone(page: Page, name: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"the {name} page scrolls sideways on a phone"
    page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})


def test_host_manages_activity_types_and_settles_an_ambiguous_guest(
    server: str, page: Page
) -> None:
    # ``server`` first: it seeds with asyncio.run, which cannot run inside sync playwright.
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Activity types").click()
    expect(page.get_by_role("heading", name="Activity types", level=1)).to_be_visible()

    page.get_by_label("Name").first.fill("Sync only")
    page.get_by_label("Colour").first.fill("#0f766e")
    page.get_by_role("button", name="Add type").click()
    expect(page.get_by_role("status")).to_have_text("Added Sync only.")
    expect(page.get_by_role("heading", name="Sync only")).to_be_visible()

    editor = page.locator("form.type-edit", has=page.get_by_role("button", name="Save Sync only"))
    editor.get_by_label("Name").fill("Calendar sync")
    editor.get_by_label("Colour").fill("#be123c")
    editor.get_by_role("button", name="Save Sync only").click()
    expect(page.get_by_role("status")).to_have_text("Saved Calendar sync.")
    swatch = page.get_by_role("heading", name="Calendar sync").locator("rect")
    expect(swatch).to_have_attribute("fill", "#be123c")
    page.screenshot(path=ARTIFACTS / "activity-types-desktop.png", full_page=True)

    page.get_by_role("button", name="Remove Meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("in use by 1 activity")
    expect(page.get_by_role("heading", name="Meeting")).to_be_visible()
    page.get_by_role("button", name="Remove Calendar sync").click()
    expect(page.get_by_role("heading", name="Calendar sync")).to_have_count(0)
    _fits_a_phone(page, "activity-types")

    page.goto(f"{server}/dashboard")
    page.get_by_role("link", name="Needs attention").click()
    expect(page.get_by_role("heading", name="Quarterly review")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "needs-attention-desktop.png", full_page=True)
    page.get_by_label("Team Paris").check()
    page.get_by_role("button", name="Link team@acme.example").click()
    expect(page.get_by_role("status")).to_have_text("Nothing needs your attention.")
    _fits_a_phone(page, "needs-attention")
