"""API tokens through the HTTP API: list, create (secret once), revoke, expiry, last use.

Time is frozen at NOW and moved by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.api.test_me import assert_problem

Client = httpx.AsyncClient
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TOKEN_FIELDS = {"id", "name", "created_at", "last_used_at", "expires_at", "revoked_at"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create(client: Client, who: SignedIn, **body: object) -> dict[str, object]:
    response = await client.post("/api/v1/tokens", headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def listed(client: Client, who: SignedIn, **params: str) -> list[dict[str, object]]:
    response = await client.get("/api/v1/tokens", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    tokens: list[dict[str, object]] = response.json()
    return tokens


@pytest.fixture
async def grace(client: Client) -> SignedIn:
    host = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    return SignedIn(host=host, token=await hosts.create_token(host.id, "grace's"))


async def test_created_token_is_shown_once_and_works(client: Client, ada: SignedIn) -> None:
    created = await create(client, ada, name="CRM import", expires_at="2026-06-01T00:00:00+02:00")
    secret = str(created["token"])
    assert secret.startswith("rdv_")
    assert created["name"] == "CRM import"
    assert created["expires_at"] == "2026-05-31T22:00:00Z", "stored and answered in UTC"
    assert created["created_at"] == "2026-03-02T07:00:00Z"
    assert (created["last_used_at"], created["revoked_at"]) == (None, None)

    me = await client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["id"] == ada.host.id

    response = await client.get("/api/v1/tokens", headers=ada.headers)
    assert secret not in response.text, "the secret is shown only when created"
    tokens = response.json()
    assert all(set(t) == TOKEN_FIELDS for t in tokens), "never the secret nor its digest"
    assert [t["name"] for t in tokens] == ["CRM import", "tests"], "newest first"


async def test_hosts_see_only_their_own_tokens(
    client: Client, ada: SignedIn, grace: SignedIn
) -> None:
    await create(client, ada, name="ada's second")
    assert [t["name"] for t in await listed(client, grace)] == ["grace's"]
    assert {t["name"] for t in await listed(client, ada)} == {"ada's second", "tests"}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "x", "expires_at": "2026-06-01T00:00:00"}, 422, "expires_at"),  # no offset
        ({"name": "x", "expires_at": "2026-03-02T07:00:00Z"}, 422, "expires_at"),  # now
        ({"name": "x", "expires_at": "2020-01-01T00:00:00Z"}, 422, "expires_at"),  # past
        ({"name": "x", "expires_at": "0001-01-01T00:30:00+01:00"}, 422, "expires_at"),
        ({"name": "x", "expires_at": "9999-12-31T23:00:00-05:00"}, 422, "expires_at"),
        ({"name": "   "}, 422, "name"),
        ({"name": ""}, 400, "name"),
        ({"name": "x" * 101}, 400, "name"),
        ({}, 400, "name"),
        ({"name": "x", "scopes": ["all"]}, 400, "scopes"),
    ],
    ids=[
        "naive",
        "now",
        "past",
        "year-1",
        "year-9999",
        "blank",
        "empty",
        "long",
        "none",
        "unknown",
    ],
)
async def test_bad_token_requests_name_the_field_and_create_nothing(
    client: Client, ada: SignedIn, body: dict[str, object], status: int, field: str
) -> None:
    response = await client.post("/api/v1/tokens", headers=ada.headers, json=body)
    problem = assert_problem(response, status, "invalid-input")
    assert field in problem["detail"]
    assert [t["name"] for t in await listed(client, ada)] == ["tests"]


async def test_an_expiring_token_cannot_create_one_that_outlives_it(
    client: Client, ada: SignedIn
) -> None:
    short = await create(client, ada, name="ci", expires_at="2026-03-03T07:00:00Z")
    as_short = bearer(str(short["token"]))
    for expires_at in (None, "2026-03-03T07:00:01Z"):
        response = await client.post(
            "/api/v1/tokens", headers=as_short, json={"name": "forever", "expires_at": expires_at}
        )
        problem = assert_problem(response, 422, "invalid-input")
        assert problem["errors"][0]["field"] == "expires_at"
        assert "2026-03-03T07:00:00Z" in problem["detail"]
    child = await client.post(
        "/api/v1/tokens",
        headers=as_short,
        json={"name": "child", "expires_at": "2026-03-03T08:00:00+01:00"},
    )
    assert child.status_code == 201, "as long as the token itself is fine"
    assert [t["name"] for t in await listed(client, ada)] == ["child", "ci", "tests"]


async def test_an_expired_token_is_401_from_its_expiry_on(
    client: Client, ada: SignedIn, clock: time_machine.Traveller
) -> None:
    created = await create(client, ada, name="short", expires_at="2026-03-02T08:00:00Z")
    clock.move_to(datetime(2026, 3, 2, 7, 59, 59, tzinfo=UTC))
    assert (await client.get("/api/v1/me", headers=bearer(str(created["token"])))).is_success
    clock.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    response = await client.get("/api/v1/me", headers=bearer(str(created["token"])))
    problem = assert_problem(response, 401, "unauthorized")
    assert "expired" in problem["detail"]
    assert response.headers["www-authenticate"] == "Bearer"
    expired = next(t for t in await listed(client, ada) if t["name"] == "short")
    assert expired["expires_at"] == "2026-03-02T08:00:00Z", "listed so its host can see it"


async def test_a_revoked_token_is_401_and_listed_only_on_request(
    client: Client, ada: SignedIn, clock: time_machine.Traveller
) -> None:
    created = await create(client, ada, name="leaked")
    clock.shift(timedelta(hours=1))
    revoked = await client.delete(f"/api/v1/tokens/{created['id']}", headers=ada.headers)
    assert revoked.status_code == 204, revoked.text

    response = await client.get("/api/v1/contacts", headers=bearer(str(created["token"])))
    problem = assert_problem(response, 401, "unauthorized")
    assert "revoked" in problem["detail"]
    assert [t["name"] for t in await listed(client, ada)] == ["tests"]
    audit = await listed(client, ada, include_revoked="true")
    assert [(t["name"], t["revoked_at"]) for t in audit] == [
        ("leaked", "2026-03-02T08:00:00Z"),
        ("tests", None),
    ]
    again = await client.delete(f"/api/v1/tokens/{created['id']}", headers=ada.headers)
    assert_problem(again, 404, "not-found")


async def test_a_host_may_revoke_the_token_it_calls_with(client: Client, ada: SignedIn) -> None:
    [mine] = await listed(client, ada)
    response = await client.delete(f"/api/v1/tokens/{mine['id']}", headers=ada.headers)
    assert response.status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=ada.headers), 401, "unauthorized")


@pytest.mark.parametrize("token_id", ["0", "2147483648", "99999999999999999999"])
async def test_revoking_another_hosts_or_no_token_is_404_and_changes_nothing(
    client: Client, ada: SignedIn, grace: SignedIn, token_id: str
) -> None:
    [graces] = await listed(client, grace)
    for target in (str(graces["id"]), token_id):
        response = await client.delete(f"/api/v1/tokens/{target}", headers=ada.headers)
        assert_problem(response, 404, "not-found")
    assert (await client.get("/api/v1/me", headers=grace.headers)).json()["slug"] == "grace"
    assert [t["revoked_at"] for t in await listed(client, grace)] == [None]


async def test_last_use_is_recorded_at_most_once_a_minute(
    client: Client, ada: SignedIn, clock: time_machine.Traveller
) -> None:
    async def last_used() -> object:
        [token] = await listed(client, ada)  # a use itself: reads what it wrote
        return token["last_used_at"]

    assert await last_used() == "2026-03-02T07:00:00Z"
    clock.shift(timedelta(seconds=59))
    assert await last_used() == "2026-03-02T07:00:00Z", "no write within the minute"
    clock.shift(timedelta(seconds=1))
    assert await last_used() == "2026-03-02T07:01:00Z"


async def test_without_a_token_the_token_api_is_401(client: Client, ada: SignedIn) -> None:
    for method, path in [("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"),
                         ("DELETE", "/api/v1/tokens/1")]:  # fmt: skip
        response = await client.request(method, path, json={"name": "x"})
        assert_problem(response, 401, "unauthorized")
    assert [t["name"] for t in await listed(client, ada)] == ["tests"]


async def test_openapi_documents_the_token_operations_and_their_problems(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operations = {
        op["operationId"]: op
        for path in ("/api/v1/tokens", "/api/v1/tokens/{token_id}")
        for op in schema["paths"][path].values()
    }
    assert set(operations) == {"listTokens", "createToken", "revokeToken"}
    assert set(operations["revokeToken"]["responses"]) == {"204", "400", "401", "404"}
    assert set(operations["createToken"]["responses"]) == {"201", "400", "401", "413", "415", "422"}
    for operation in operations.values():
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert list(response["content"]) == ["application/problem+json"]
    created = operations["createToken"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("ApiTokenCreated")
