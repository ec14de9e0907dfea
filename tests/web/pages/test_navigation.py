"""The host navigation: on every signed-in host page, with the page shown marked as
the current one; never on the public booking pages or for a stranger."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, sign_in

#: The page map every host page links to (docs: the issue 14 brief).
PAGE_MAP = (
    "/dashboard",
    "/dashboard/password",
    "/dashboard/tokens",
    "/dashboard/activities",
    "/dashboard/needs-attention",
    "/dashboard/activity-types",
    "/dashboard/event-types",
    "/dashboard/schedules",
    "/dashboard/bookings",
    "/dashboard/explain",
    "/calendars",
    "/dashboard/calendar-sync",
    "/dashboard/video",
)


def nav_of(page: str) -> str:
    match = re.search(r'<nav class="site-nav" aria-label="Main">.*?</nav>', page, re.S)
    assert match, "the page has the host navigation"
    return match.group(0)


def current(nav: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]+)" aria-current="(page|true)">', nav)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/dashboard/password",
        "/dashboard/tokens",
        "/dashboard/needs-attention",
        "/dashboard/activity-types",
        "/calendars",
        "/dashboard/calendar-sync",
        "/dashboard/video",
    ],
)
async def test_every_host_page_links_to_every_page_and_marks_itself(
    client: httpx.AsyncClient, ada: SignedIn, path: str
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(path)
    assert page.status_code == 200, page.text
    nav = nav_of(page.text)
    for target in PAGE_MAP:
        assert f'href="{target}"' in nav, (path, target)
    assert current(nav) == [(path, "page")]
    assert 'action="/logout"' in nav
    assert 'name="_csrf_token"' in nav
    assert '<script src="/static/nav.js" defer></script>' in page.text
    # The ad-hoc link bars the navigation replaces are gone.
    assert "Back to your profile" not in page.text


async def test_a_page_below_a_section_marks_the_section(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    from datetime import UTC, datetime

    from booking.activities import service as activities
    from booking.activities.schemas import ActivityCreate

    made = await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Review",
            start=datetime(2026, 3, 3, 9, tzinfo=UTC),
            end=datetime(2026, 3, 3, 10, tzinfo=UTC),
        ),
    )
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(f"/dashboard/activities/{made.id}")
    assert page.status_code == 200
    assert current(nav_of(page.text)) == [("/dashboard/activities", "true")]


async def test_no_host_navigation_on_public_pages(client: httpx.AsyncClient, ada: SignedIn) -> None:
    # Even for the signed-in host looking at their own booking page.
    await sign_in(client, ada.host.email, PASSWORD)
    for path in ("/ada", "/login"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert 'class="site-nav"' not in page.text, path


async def test_the_sign_out_button_in_the_navigation_signs_out(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    nav = nav_of((await client.get("/dashboard/tokens")).text)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', nav)
    assert token
    out = await client.post("/logout", data={"_csrf_token": token.group(1)})
    assert out.status_code == 303
    assert (await client.get("/dashboard/tokens")).status_code == 303
