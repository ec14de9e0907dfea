"""Values beyond what the columns and the calendar hold are refused, the same on
SQLite and PostgreSQL, and write nothing: dates outside 1900-2200 or (slots and
bookings) more than three years ahead are 422 naming the field; ids beyond an id
column are 404 in the path and 400 in a body; offsets beyond it are 400.

Time is frozen on Monday 2026-03-02 07:00 UTC; Ada's first slot is 08:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.validation import MAX_DAYS_AHEAD
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem
from tests.web.rows import stored_rows

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
PUBLIC = "/api/v1/public/ada/intro"
TOO_BIG = ["2147483648", "99999999999999999999"]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
async def intro(ada: SignedIn) -> int:
    event_type = await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
    )
    return event_type.id


@pytest.fixture
async def booked(client: httpx.AsyncClient, intro: int) -> str:
    response = await client.post(
        f"{PUBLIC}/bookings",
        json={
            "start": "2026-03-02T08:00:00Z",
            "name": "Grace",
            "email": "grace@example.com",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["uid"])


def refused(response: httpx.Response, status: int, field: str) -> str:
    body = assert_problem(response, status, "invalid-input")
    assert [e["field"] for e in body["errors"]] == [field]
    return str(body["errors"][0]["message"])


YEARS = "must fall in the years 1900 to 2200."
AHEAD = f"must be at most {MAX_DAYS_AHEAD} days ahead."
BOOK = {"name": "Grace", "email": "grace@example.com", "time_zone": "UTC"}
FIXED = {"title": "Fixed range", "duration_minutes": 30}
ACTIVITY = {"title": "x", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"}


DATES = [
    # OverflowError (500) on both databases before.
    ("GET", "{public}/slots", {"start": "9999-12-01", "end": "9999-12-31"}, None, "start", YEARS),
    ("GET", "{public}/slots", {"start": "0001-01-01", "end": "0001-01-02"}, None, "start", YEARS),
    ("GET", "{public}/slots", {"start": "2026-03-02", "end": "2201-01-01"}, None, "end", YEARS),
    ("GET", "{public}/slots", {"start": "2029-03-03", "end": "2029-03-04"}, None, "start", AHEAD),
    ("POST", "{public}/bookings", None, {**BOOK, "start": "9999-12-31T09:00:00Z"}, "start", YEARS),
    ("POST", "{public}/bookings", None, {**BOOK, "start": "2029-03-05T08:00:00Z"}, "start", AHEAD),
    (
        "POST",
        "/api/v1/bookings/{uid}/reschedule",
        None,
        {"start": "0001-01-01T00:00:00+01:00"},
        "start",
        YEARS,
    ),
    ("GET", "/api/v1/bookings", {"from": "0001-01-01T00:00:00Z"}, None, "from", YEARS),
    ("GET", "/api/v1/activities", {"to": "9999-12-31T23:59:59-05:00"}, None, "to", YEARS),
    # Stored before, and then every list of the host's activities overflowed.
    ("POST", "/api/v1/activities", None, {**ACTIVITY, "end": "9999-12-31T23:59:00Z"}, "end", YEARS),
    (
        "POST",
        "/api/v1/event-types",
        None,
        {**FIXED, "horizon_start": "2026-03-02", "horizon_end": "9999-12-31"},
        "horizon_end",
        YEARS,
    ),
    (
        "POST",
        "/api/v1/schedules",
        None,
        {"name": "S", "time_zone": "UTC", "weekly": {}, "overrides": {"1899-12-31": []}},
        "overrides.1899-12-31",
        YEARS,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "params", "body", "field", "message"), DATES)
async def test_dates_out_of_range_are_422_naming_the_field_and_write_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    booked: str,
    method: str,
    path: str,
    params: dict[str, str] | None,
    body: dict[str, Any] | None,
    field: str,
    message: str,
) -> None:
    if path.endswith("/slots"):
        params = {**(params or {}), "tz": "UTC"}
    before = await stored_rows()
    response = await client.request(
        method,
        path.format(public=PUBLIC, uid=booked),
        params=params,
        json=body,
        headers=ada.headers,
    )
    assert refused(response, 422, field) == message
    assert await stored_rows() == before


async def test_the_edges_of_the_supported_years_are_accepted(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await client.post(
        "/api/v1/activities",
        headers=ada.headers,
        json={**ACTIVITY, "start": "1900-01-01T00:00:00+14:00", "end": "2200-12-31T23:59:59-12:00"},
    )
    assert response.status_code == 201, response.text
    listed = await client.get(
        "/api/v1/activities",
        headers=ada.headers,
        params={"from": "1900-01-01T00:00:00Z", "to": "2200-12-31T00:00:00Z"},
    )
    assert [a["id"] for a in listed.json()] == [response.json()["id"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/contacts/{n}"),
        ("PATCH", "/api/v1/contacts/{n}"),
        ("DELETE", "/api/v1/contacts/{n}"),
        ("GET", "/api/v1/activities/{n}"),
        ("POST", "/api/v1/activities/{n}/complete"),
        ("DELETE", "/api/v1/schedules/{n}"),
        ("GET", "/api/v1/event-types/{n}"),
        ("GET", "/api/v1/event-types/{n}/calendars"),
        ("PATCH", "/api/v1/calendars/{n}"),
        ("DELETE", "/api/v1/calendar-accounts/{n}"),
        ("DELETE", "/api/v1/video-accounts/{n}"),
    ],
)
async def test_an_id_beyond_its_column_is_404_and_writes_nothing(
    client: httpx.AsyncClient, ada: SignedIn, method: str, path: str
) -> None:
    # 2147483648 overflowed asyncpg's int32 (500); 99999999999999999999 SQLite's driver.
    before = await stored_rows()
    for number in [*TOO_BIG, "0", "-1"]:
        response = await client.request(
            method,
            path.format(n=number),
            headers=ada.headers,
            json={} if method == "PATCH" else None,
        )
        body = assert_problem(response, 404, "not-found")
        assert body["detail"] == "Nothing exists at this address.", "nothing said of ranges"
    assert await stored_rows() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/v1/activities", {**ACTIVITY, "activity_type_id": 2**31}, "activity_type_id"),
        (
            "POST",
            "/api/v1/event-types",
            {"title": "T", "duration_minutes": 30, "schedule_id": 10**20},
            "schedule_id",
        ),
        (
            "PUT",
            "/api/v1/event-types/{intro}/calendars",
            {"calendar_ids": [1, 2**31]},
            "calendar_ids[1]",
        ),
    ],
)  # fmt: skip
async def test_an_id_beyond_its_column_in_a_body_is_400_and_writes_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    intro: int,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = await stored_rows()
    response = await client.request(
        method, path.format(intro=intro), json=body, headers=ada.headers
    )
    assert refused(response, 400, field) == "Expected `int` <= 2147483647"
    assert await stored_rows() == before


@pytest.mark.parametrize("path", ["/api/v1/contacts", "/api/v1/bookings"])
async def test_an_offset_beyond_any_row_is_400(
    client: httpx.AsyncClient, ada: SignedIn, path: str
) -> None:
    # SQLite: "datatype mismatch"; PostgreSQL: "bigint out of range" (both 500).
    for offset in TOO_BIG:
        response = await client.get(path, params={"offset": offset}, headers=ada.headers)
        assert refused(response, 400, "offset") == "Expected `int` <= 2147483647"
