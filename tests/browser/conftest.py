"""A real server and Debian's chromium for end-to-end tests of the booking pages.

The app runs as ``uvicorn web.main:app`` in a subprocess, as in production, on a
loopback socket this process binds first and hands over (``--fd``): connections made
before uvicorn is up wait in the socket's backlog, so nothing has to poll for readiness.
It runs on real time (another process cannot be frozen), so its host is available
around the clock and the event type needs no notice: a slot is always near.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, ScheduleUpdate
from tests.conftest import unavailable
from tests.servers import loopback_listener
from web import database

CHROMIUM = Path("/usr/bin/chromium")
# The launch recipe of the shared setup notes: Debian's chromium, headless, in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_ZONE = "America/New_York"
# Redoc turns the 120 KB OpenAPI document into the reference in the browser: 2-3 s on a
# quiet 2-core machine, more than expect()'s 5 s when the suite's other worker is busy.
API_REFERENCE_RENDERS_MS = 30_000
SERVER_STARTS_S = 60
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass(frozen=True)
class LiveServer:
    url: str
    host_slug: str
    event_slug: str


async def _seed(database_url: str) -> None:
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        host = await hosts.create(
            HostCreate(
                email="ada@example.com",
                slug="ada",
                time_zone="Europe/Berlin",
                name="Ada Lovelace",
            )
        )
        default = await schedules.get_default(host.id)
        await schedules.update(
            host.id, default.id, ScheduleUpdate(weekly={day: ["00:00-24:00"] for day in WEEKDAYS})
        )
        await event_types.create(
            host.id,
            EventTypeCreate(
                title="Intro call",
                slug="intro",
                description="A first talk about your project.",
                duration_minutes=30,
                minimum_notice_minutes=0,
                location_kind="phone",
                location_value="+49 30 1234567",
            ),
        )
    finally:
        await database.stop(engine)


@contextmanager
def uvicorn_server(
    database_url: str,
    tmp_path: Path,
    extra_env: Mapping[str, str] | None = None,
    *,
    public_url: str | None = None,
) -> Iterator[str]:
    """``uvicorn web.main:app`` on a loopback socket this process binds first and hands
    over (``--fd``), on ``database_url``; yields the address the browser uses.
    ``public_url`` defaults to that address; ``extra_env`` adds settings (providers
    pointed at emulators)."""
    with loopback_listener() as listener:  # the server holds its own copy after
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        log = (tmp_path / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.main:app", "--fd", str(listener.fileno())],
            pass_fds=[listener.fileno()],
            cwd=Path(__file__).resolve().parents[2],
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "SECRET_KEY": "b" * 48,
                "PUBLIC_URL": public_url or url,
                "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
                "LOG_LEVEL": "WARNING",
                **(extra_env or {}),
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(url, process, tmp_path / "server.log")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once the app answers. Starting it (imports, the app's routes) took over
    the 10 s a page gets when both pytest workers were busy; a test's page timeouts
    are for its pages, not for the server's start."""
    deadline = time.monotonic() + SERVER_STARTS_S
    while True:
        try:
            # The socket is bound already: the request waits in its backlog until uvicorn
            # accepts it (no polling: only a timed-out wait is asked again). /healthz
            # answers 200 or 503; either means it is serving.
            httpx.get(f"{url}/healthz", timeout=5)
            return
        except httpx.TransportError as error:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{log.read_text()}") from error
            if not isinstance(error, httpx.TimeoutException) or time.monotonic() > deadline:
                raise


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    db_path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    database_url = f"sqlite:///{db_path}"
    asyncio.run(_seed(database_url))

    # Not the address the browser uses: links and redirects inside the site must be
    # relative for a booking to complete (a LAN name, a port forward).
    with uvicorn_server(database_url, tmp_path, public_url="http://rendezvous.example.test") as url:
        yield LiveServer(url=url, host_slug="ada", event_slug="intro")


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        timezone_id=BROWSER_ZONE, locale="en-US", viewport={"width": 1200, "height": 900}
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium reports what the Content-Security-Policy blocked as console errors.
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


def follow_nav(page: Page, name: str) -> None:
    """Go to a host page through the navigation, as a host would at any width: on a
    phone the links are folded behind "Menu" (partials/nav.html), opened first."""
    nav = page.get_by_role("navigation", name="Main")
    # Set up by nav.js (deferred): only then is it known whether the links are folded.
    expect(page.locator(".site-nav.collapsible")).to_be_attached()
    menu = nav.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    nav.get_by_role("link", name=name, exact=True).click()


def api_reference_rendered(page: Page) -> None:
    """Wait until Redoc has rendered the API reference (its title is the first heading)."""
    expect(page.get_by_role("heading", name=re.compile(r"^Rendezvous"), level=1)).to_be_visible(
        timeout=API_REFERENCE_RENDERS_MS
    )
