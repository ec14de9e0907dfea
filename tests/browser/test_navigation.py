"""A host finds their way in a real browser (Debian's chromium), at 1280 and 390 px:
the landing page signs in, the navigation reaches the pages and marks the current one,
on a phone it folds behind a "Menu" button that works from the keyboard alone; an API
token is created (shown once, copied) and revoked; the password is changed; the API
reference renders from this site's files. The ``page`` fixture fails the test if the
Content-Security-Policy blocks anything."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.browser.conftest import ARTIFACTS, api_reference_rendered, uvicorn_server
from web import database

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much better passphrase"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))
    with uvicorn_server(database_url, tmp_path) as url:
        yield url


def _no_sideways_scroll(page: Page, name: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow, f"the {name} page scrolls sideways"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.textContent.trim()"))


def test_host_finds_their_way_manages_tokens_and_changes_the_password(
    server: str, page: Page
) -> None:
    # ``server`` first: it seeds with asyncio.run, which cannot run inside sync playwright.
    ARTIFACTS.mkdir(exist_ok=True)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page.set_viewport_size(DESKTOP)

    # A stranger at / learns what this is and signs in there.
    page.goto(f"{server}/")
    expect(page.get_by_role("heading", name="Rendezvous", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    _shot(page, "landing-desktop")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}/dashboard")

    # The navigation: every page, the shown one marked; the menu button only on a phone.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link")).to_have_count(13)
    expect(nav.get_by_role("link", name="Profile")).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Activity types").click()
    expect(page.get_by_role("heading", name="Activity types", level=1)).to_be_visible()
    expect(nav.get_by_role("link", name="Activity types")).to_have_attribute("aria-current", "page")
    expect(nav.locator("[aria-current]")).to_have_count(1)

    # API tokens: create one, see it once, copy it, revoke it after confirming.
    nav.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Give the token a name")).to_be_visible()
    page.get_by_label("Name").fill("CI deploy")
    page.get_by_label("Expires after (optional)").fill("2099-12-31")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token", exact=True)
    expect(secret).to_have_value(re.compile(r".{20,}"))
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret.input_value()
    row = page.get_by_role("row").filter(has_text="CI deploy")
    expect(row).to_contain_text("2100-01-01 00:00")
    expect(row).to_contain_text("Active")
    _shot(page, "tokens-desktop")
    row.locator("summary").click()  # the disclosure: the confirmation step
    row.get_by_role("button", name="Revoke CI deploy").click()
    expect(page.get_by_role("status")).to_have_text("Revoked CI deploy. It no longer works.")
    expect(page.get_by_role("row").filter(has_text="CI deploy")).to_contain_text("Revoked")
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)

    # The password: a mistake is shown at its field, then the change goes through.
    nav.get_by_role("link", name="Password").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("something else")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("The two new passwords differ.")).to_be_visible()
    expect(page.get_by_label("New password again")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text(
        "Password changed. You were signed out everywhere else."
    )
    _shot(page, "password-desktop")

    # A phone: the list folds behind "Menu"; keyboard only, open it and follow a link.
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/dashboard/tokens")
    menu = nav.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(nav.get_by_role("link", name="Calendar sync")).to_be_hidden()
    _no_sideways_scroll(page, "tokens")
    _shot(page, "tokens-phone")
    page.keyboard.press("Tab")
    assert _focused(page) == "Skip to content"
    page.keyboard.press("Tab")
    assert _focused(page) == "Menu"
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Calendar sync")).to_be_visible()
    _no_sideways_scroll(page, "tokens (menu open)")
    _shot(page, "nav-open-phone")
    page.keyboard.press("Escape")  # closes, and focus is back on the button
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert _focused(page) == "Menu"
    page.keyboard.press("Space")
    for _ in range(20):
        page.keyboard.press("Tab")
        if _focused(page) == "Calendar sync":
            break
    assert _focused(page) == "Calendar sync"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/dashboard/calendar-sync")
    # The folded list is out of the accessibility tree: its link is found by address.
    expect(nav.locator('a[href="/dashboard/calendar-sync"]')).to_have_attribute(
        "aria-current", "page"
    )
    expect(menu).to_have_attribute("aria-expanded", "false")

    # The API reference renders from this site's files, nothing blocked.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{server}/schema")
    api_reference_rendered(page)
    operation = page.get_by_text("Create an API token; its secret is in this answer only")
    expect(operation.first).to_be_attached()
    page.screenshot(path=ARTIFACTS / "api-docs-desktop.png")  # the whole page is 10 MB

    # Signing out from the navigation; a new sign-in needs the new password.
    page.goto(f"{server}/dashboard")
    nav.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server}/login")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server}/dashboard")
