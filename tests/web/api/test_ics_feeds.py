"""Adding an ICS feed over the API: the account answered at once, problem details
for an address that is no usable feed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from integrations.calendars import repository
from tests.conftest import SignedIn
from tests.integrations.providers.ics.feedserver import FeedServer
from web.app import create_app
from web.settings import Settings


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(replace(settings, allow_private_urls=True))


async def _synced(client: httpx.AsyncClient, calendar_id: int) -> None:
    app: Any = client._transport.app  # type: ignore[attr-defined]
    await asyncio.wait_for(app.state["calendars"].runner.wait_synced(calendar_id, 0), 10)


async def test_a_feed_is_added_and_its_busy_events_block(
    client: httpx.AsyncClient, ada: SignedIn, feed: FeedServer
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    feed.add("Dentist", start, start + timedelta(hours=1))
    added = await client.post(
        "/api/v1/calendar-accounts",
        json={"provider": "ics", "url": feed.url, "name": "Family"},
        headers=ada.headers,
    )
    assert added.status_code == 201, added.text
    account = added.json()
    assert (account["provider"], account["status"], account["email"]) == ("ics", "ok", "127.0.0.1")
    assert feed.path not in added.text

    [calendar] = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
    assert (calendar["provider"], calendar["name"], calendar["is_conflict"]) == (
        "ics", "Family", True,
    )  # fmt: skip
    await _synced(client, calendar["id"])
    [block] = await repository.busy_blocks_of(calendar["id"])
    assert block.start_at == start


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"provider": "ics"}, 422, "address is required"),
        ({"provider": "ics", "url": "ftp://example.com/cal.ics"}, 422, "http:// or https://"),
        ({"provider": "ics", "url": "not a url"}, 422, ""),
        ({"provider": "ics", "url": "https://x.test/a.ics", "extra": 1}, 400, ""),
    ],
)
async def test_bad_input_is_a_problem_detail(
    client: httpx.AsyncClient, ada: SignedIn, body: dict[str, Any], status: int, says: str
) -> None:
    answer = await client.post("/api/v1/calendar-accounts", json=body, headers=ada.headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert says in answer.json()["detail"]


async def test_an_address_that_is_no_calendar_is_refused(
    client: httpx.AsyncClient, ada: SignedIn, feed: FeedServer
) -> None:
    feed.body_override = b"<html>Sign in</html>"
    answer = await client.post(
        "/api/v1/calendar-accounts", json={"provider": "ics", "url": feed.url}, headers=ada.headers
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert "did not answer with an iCalendar" in problem["detail"]
    assert feed.path not in answer.text
    assert (await client.get("/api/v1/calendar-accounts", headers=ada.headers)).json() == []
