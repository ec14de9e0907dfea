"""Connecting a CalDAV account over the API (a real Radicale): the account and its
calendars answered at once, problem details for bad input and a wrong password."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from integrations.calendars import repository
from tests.conftest import SignedIn
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale
from web.app import create_app
from web.settings import Settings


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale", calendars=("calendar", "work")) as server:
        yield server


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(replace(settings, allow_private_urls=True))


async def test_an_account_is_connected_and_its_busy_events_block(
    client: httpx.AsyncClient, ada: SignedIn, dav: Radicale
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    dav.add("Dentist", start, start + timedelta(hours=1))
    added = await client.post(
        "/api/v1/calendar-accounts",
        json={"provider": "caldav", "url": dav.url, "username": USER, "password": PASSWORD},
        headers=ada.headers,
    )
    assert added.status_code == 201, added.text
    account = added.json()
    assert (account["provider"], account["status"], account["email"]) == ("caldav", "ok", USER)
    assert PASSWORD not in added.text

    listed = (await client.get("/api/v1/calendars", headers=ada.headers)).json()
    assert [(c["provider"], c["name"], c["is_conflict"]) for c in listed] == [
        ("caldav", "Calendar", True),
        ("caldav", "Work", False),
    ]
    app: Any = client._transport.app  # type: ignore[attr-defined]
    await asyncio.wait_for(app.state["calendars"].runner.wait_synced(listed[0]["id"], 0), 10)
    [block] = await repository.busy_blocks_of(listed[0]["id"])
    assert block.start_at == start


async def test_a_wrong_password_is_422_naming_the_field(
    client: httpx.AsyncClient, ada: SignedIn, dav: Radicale
) -> None:
    answer = await client.post(
        "/api/v1/calendar-accounts",
        json={"provider": "caldav", "url": dav.url, "username": USER, "password": "nope"},
        headers=ada.headers,
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["errors"][0]["field"] == "password"
    assert "app password" in problem["detail"]
    assert "nope" not in answer.text


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"provider": "caldav", "username": "u", "password": "p"}, "url is required"),
        ({"provider": "caldav", "url": "https://dav.test/", "password": "p"}, "username"),
        ({"provider": "caldav", "url": "https://dav.test/", "username": "u"}, "password"),
        (
            {"provider": "caldav", "url": "ftp://dav.test/", "username": "u", "password": "p"},
            "http:// or https://",
        ),
    ],
)
async def test_bad_input_is_a_problem_detail(
    client: httpx.AsyncClient, ada: SignedIn, body: dict[str, Any], says: str
) -> None:
    answer = await client.post("/api/v1/calendar-accounts", json=body, headers=ada.headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert says in answer.json()["detail"]
