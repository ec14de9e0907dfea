"""Adding an ICS feed from the calendars page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar

from integrations.accounts import repository as account_rows
from tests.conftest import SignedIn
from tests.integrations.providers.ics.feedserver import FeedServer
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    start = datetime.now(UTC) + timedelta(days=1)
    server.add("Dentist", start, start + timedelta(hours=1))
    yield server
    server.close()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(replace(settings, allow_private_urls=True))


async def test_a_feed_is_added_from_the_page_and_listed(
    client: httpx.AsyncClient, ada: SignedIn, feed: FeedServer
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    assert "Add a calendar feed (ICS)" in (await client.get("/calendars")).text
    token = await csrf_token(client, "/calendars")
    added = await client.post(
        "/calendars/ics", data={"url": feed.url, "name": "Family", "_csrf_token": token}
    )
    assert (added.status_code, added.headers["location"]) == (303, "/calendars")
    page = (await client.get("/calendars")).text
    assert "Calendar feed from 127.0.0.1" in page
    assert "Family" in page
    assert feed.path not in page  # the secret address is never shown again


async def test_a_wrong_address_is_said_on_the_page(
    client: httpx.AsyncClient, ada: SignedIn, feed: FeedServer
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    feed.fail_next(404)
    token = await csrf_token(client, "/calendars")
    refused = await client.post("/calendars/ics", data={"url": feed.url, "_csrf_token": token})
    assert refused.status_code == 422
    assert "The feed was not added" in refused.text
    assert "no longer exists" in refused.text
    assert await account_rows.of_host(ada.host.id, "calendar") == []
