"""Connecting a CalDAV account from the calendars page (a real Radicale)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from tests.conftest import SignedIn
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale
from tests.web.pages.test_account import PASSWORD as SITE_PASSWORD
from tests.web.pages.test_account import csrf_token, sign_in
from web.app import create_app
from web.settings import Settings


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale") as server:
        yield server


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(replace(settings, allow_private_urls=True))


async def test_an_account_is_connected_from_the_page_and_listed(
    client: httpx.AsyncClient, ada: SignedIn, dav: Radicale
) -> None:
    await sign_in(client, "ada@example.com", SITE_PASSWORD)
    assert "Connect a CalDAV account" in (await client.get("/calendars")).text
    token = await csrf_token(client, "/calendars")
    added = await client.post(
        "/calendars/caldav",
        data={"url": dav.url, "username": USER, "password": PASSWORD, "_csrf_token": token},
    )
    assert (added.status_code, added.headers["location"]) == (303, "/calendars")
    page = (await client.get("/calendars")).text
    assert f"CalDAV: {USER}" in page
    assert PASSWORD not in page


async def test_a_wrong_password_is_said_on_the_page(
    client: httpx.AsyncClient, ada: SignedIn, dav: Radicale
) -> None:
    await sign_in(client, "ada@example.com", SITE_PASSWORD)
    token = await csrf_token(client, "/calendars")
    refused = await client.post(
        "/calendars/caldav",
        data={"url": dav.url, "username": USER, "password": "nope", "_csrf_token": token},
    )
    assert refused.status_code == 422
    assert "The CalDAV account was not connected" in refused.text
    assert "app password" in refused.text
