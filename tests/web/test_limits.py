"""Bad input is refused at the edge, the same on SQLite and PostgreSQL, and writes
nothing: characters a database cannot store (400 naming the field), JSON nested
too deeply (400), a body that is not the media type the operation takes (415)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem
from tests.web.rows import stored_rows
from web.limits import MAX_JSON_DEPTH, first_unstorable, nests_deeper_than

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def intro(ada: SignedIn) -> str:
    """The public path of a bookable event type of Ada's."""
    await event_types.create(
        ada.host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
    )
    return "/api/v1/public/ada/intro"


def refused_field(response: httpx.Response, field: str, source: str) -> None:
    body = assert_problem(response, 400, "invalid-input")
    assert body["errors"] == [
        {
            "field": field,
            "message": "contains a character that cannot be stored (NUL or a lone surrogate).",
            "source": source,
        }
    ]


# ---------------------------------------------------------------------------- characters


@pytest.mark.parametrize(
    "path", ["/ada%00", "/ada%00/intro", "/api/v1/public/ada%00/intro", "/api/v1/public/ada/in%00"]
)
async def test_nul_in_a_path_parameter_is_400_naming_it(
    client: httpx.AsyncClient, intro: str, path: str
) -> None:
    # PostgreSQL answered CharacterNotInRepertoireError (500) when the slug was looked up.
    field = "event_slug" if "in%00" in path else "host_slug"
    before = await stored_rows()
    refused_field(await client.get(path), field, "path")
    assert await stored_rows() == before


async def test_nul_in_a_query_parameter_is_400_naming_it(
    client: httpx.AsyncClient, ada: SignedIn, intro: str
) -> None:
    before = await stored_rows()
    search = await client.get("/api/v1/contacts", params={"q": "a\x00b"}, headers=ada.headers)
    refused_field(search, "q", "query")
    slots = await client.get(
        f"{intro}/slots", params={"start": "2026-03-02", "end": "2026-03-02", "tz": "UTC\x00"}
    )
    refused_field(slots, "tz", "query")
    assert await stored_rows() == before


BOOKING = {"start": "2026-03-02T09:00:00Z", "email": "zoe@example.com", "time_zone": "UTC"}
WEEKLY = {"monday": ["09:00-12:00", "13:00-17:00\x00"]}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "{intro}/bookings", {**BOOKING, "name": "Zo\x00e"}, "name"),
        ("POST", "{intro}/bookings", {**BOOKING, "name": "Zoe", "guests": ["\x00"]}, "guests[0]"),
        ("PATCH", "/api/v1/me", {"name": "Ada\x00"}, "name"),
        ("POST", "/api/v1/contacts", {"email": "bob@example.com", "name": "\x00"}, "name"),
        (
            "POST",
            "/api/v1/schedules",
            {"name": "Week", "time_zone": "UTC", "weekly": WEEKLY},
            "weekly.monday[1]",
        ),
    ],
)
async def test_nul_in_a_body_string_is_400_naming_it_and_writes_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    intro: str,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    # SQLite stored the NUL; PostgreSQL answered 500.
    before = await stored_rows()
    response = await client.request(
        method, path.format(intro=intro), json=body, headers=ada.headers
    )
    refused_field(response, field, "body")
    assert await stored_rows() == before


async def test_a_lone_surrogate_in_json_is_400_and_writes_nothing(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    # Neither driver can encode one; the decoder refuses the escape before we look.
    before = await stored_rows()
    response = await client.post(
        "/api/v1/contacts",
        content=b'{"email": "bob@example.com", "name": "\\ud800"}',
        headers={**ada.headers, **JSON},
    )
    assert_problem(response, 400, "malformed-body")
    assert await stored_rows() == before


async def test_nul_in_a_form_field_is_400_naming_it(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    before = await stored_rows()
    response = await client.post(
        "/login",
        data={"email": "ada\x00@example.com", "password": "x", "_csrf_token": token.group(1)},
    )
    refused_field(response, "email", "body")
    assert await stored_rows() == before


# ---------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000,
        ("[" * 1000 + "]" * 1000).encode(),
        json.dumps({**BOOKING, "name": "Zoe", "guests": json.loads("[" * 32 + "]" * 32)}).encode(),
    ],
    ids=["1000 openers", "1000 levels", "33 levels inside a booking"],
)
async def test_json_nested_too_deeply_is_400_and_writes_nothing(
    client: httpx.AsyncClient, intro: str, body: bytes
) -> None:
    # msgspec recursed into RecursionError (500) on 1,000 levels.
    before = await stored_rows()
    response = await client.post(f"{intro}/bookings", content=body, headers=JSON)
    problem = assert_problem(response, 400, "malformed-body")
    assert problem["detail"] == f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
    assert await stored_rows() == before


async def test_json_at_the_depth_limit_reaches_validation(
    client: httpx.AsyncClient, intro: str
) -> None:
    guests = json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))
    response = await client.post(
        f"{intro}/bookings", json={**BOOKING, "name": "Zoe", "guests": guests}
    )
    body = assert_problem(response, 400, "invalid-input")
    assert body["errors"][0]["field"] == "guests[0]", "decoded, then refused for its type"


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:'),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text("[]{}a"), inner, max_size=4)
    ),
    max_leaves=40,
)


@given(value=_json_values, limit=st.integers(min_value=0, max_value=8))
def test_nesting_depth_matches_a_recursive_count(value: Any, limit: int) -> None:
    assert nests_deeper_than(json.dumps(value).encode(), limit) == (_depth(value) > limit)


@given(prefix=st.text(alphabet="[{", min_size=0, max_size=60))
def test_unclosed_openers_count_as_depth(prefix: str) -> None:
    # The decoder recurses on each opener before it finds the text truncated.
    assert nests_deeper_than(prefix.encode(), 32) == (len(prefix) > 32)


def test_unstorable_strings_are_found_by_their_path() -> None:
    assert first_unstorable({"a": [{"b": "ok"}, {"b": "x\x00"}]}) == "a[1].b"
    assert first_unstorable({"k\x00": 1}) == "k\x00"
    assert first_unstorable("\ud800") == "body"
    assert first_unstorable({"a": ["fine", 1, None, True]}) is None


# ---------------------------------------------------------------------------- media types


@pytest.mark.parametrize(
    ("method", "path", "headers", "accept_header"),
    [
        ("POST", "/api/v1/contacts", {"Content-Type": "text/plain"}, "Accept-Post"),
        ("POST", "/api/v1/contacts", {}, "Accept-Post"),
        (
            "PATCH",
            "/api/v1/me",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "Accept-Patch",
        ),
    ],
    ids=["text/plain", "no content type", "form on a JSON operation"],
)
async def test_a_body_that_is_not_json_is_415_and_writes_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    method: str,
    path: str,
    headers: dict[str, str],
    accept_header: str,
) -> None:
    # litestar parsed any body as JSON, whatever its Content-Type.
    before = await stored_rows()
    response = await client.request(
        method,
        path,
        content=b'{"email": "bob@example.com", "name": "Bob"}',
        headers={**ada.headers, **headers},
    )
    assert_problem(response, 415, "unsupported-media-type")
    assert response.headers[accept_header] == "application/json"
    assert await stored_rows() == before


async def test_json_with_a_charset_is_json(client: httpx.AsyncClient, ada: SignedIn) -> None:
    response = await client.post(
        "/api/v1/contacts",
        content=b'{"email": "bob@example.com"}',
        headers={**ada.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


async def test_a_json_body_on_a_form_page_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post("/login", json={"email": "ada@example.com", "password": "x"})
    assert response.status_code == 415


async def test_a_body_over_ten_megabytes_is_413(client: httpx.AsyncClient, ada: SignedIn) -> None:
    response = await client.post(
        "/api/v1/contacts",
        content=b'{"email": "a@b.example", "name": "' + b"x" * 10_000_000 + b'"}',
        headers={**ada.headers, **JSON},
    )
    assert_problem(response, 413, "request-entity-too-large")
