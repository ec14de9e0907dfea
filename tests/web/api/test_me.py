from __future__ import annotations

import httpx
import pytest

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn

Client = httpx.AsyncClient


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{code}"
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    return body


async def test_get_me_returns_the_token_owner(client: Client, ada: SignedIn) -> None:
    response = await client.get("/api/v1/me", headers=ada.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "ada@example.com", "host e-mails are stored lower-cased"
    assert body["slug"] == "ada"
    assert body["time_zone"] == "Europe/Berlin"
    assert body["name"] == "Ada Lovelace"
    assert "password_hash" not in body


async def test_patch_me_changes_name_slug_and_time_zone(client: Client, ada: SignedIn) -> None:
    response = await client.patch(
        "/api/v1/me",
        headers=ada.headers,
        json={"name": "Countess", "slug": "countess", "time_zone": "Asia/Kolkata"},
    )
    assert response.status_code == 200, response.text
    again = (await client.get("/api/v1/me", headers=ada.headers)).json()
    assert (again["name"], again["slug"], again["time_zone"]) == (
        "Countess",
        "countess",
        "Asia/Kolkata",
    )


async def test_patch_me_with_only_some_fields_leaves_the_rest(
    client: Client, ada: SignedIn
) -> None:
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"name": "A. L."})
    assert response.status_code == 200
    assert response.json()["slug"] == "ada"
    assert response.json()["time_zone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic YWRhOnB3"}],
    ids=["none", "empty", "basic"],
)
async def test_missing_token_is_401_problem(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/api/v1/me", headers=headers)
    body = assert_problem(response, 401, "unauthorized")
    assert "Bearer" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["rdv_not-a-real-token", "something-else"])
async def test_wrong_token_is_401_problem(client: Client, ada: SignedIn, token: str) -> None:
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "unauthorized")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "localtime", "EST5EDT/../x", ""])
async def test_unknown_time_zone_is_rejected_and_nothing_changes(
    client: Client, ada: SignedIn, zone: str
) -> None:
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"time_zone": zone})
    assert response.status_code in {400, 422}
    body = response.json()
    assert body["errors"][0]["field"] == "time_zone"
    me = (await client.get("/api/v1/me", headers=ada.headers)).json()
    assert me["time_zone"] == "Europe/Berlin"


async def test_duplicate_slug_is_409_naming_the_field(client: Client, ada: SignedIn) -> None:
    await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"slug": "grace"})
    body = assert_problem(response, 409, "already-exists")
    assert body["field"] == "slug"
    assert (await client.get("/api/v1/me", headers=ada.headers)).json()["slug"] == "ada"


@pytest.mark.parametrize("slug", ["Ada", "-ada", "a_b", "api", "x" * 65])
async def test_invalid_or_reserved_slug_is_rejected(
    client: Client, ada: SignedIn, slug: str
) -> None:
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"slug": slug})
    assert response.status_code in {400, 422}
    assert response.json()["errors"][0]["field"] == "slug"


async def test_malformed_json_is_400_problem(client: Client, ada: SignedIn) -> None:
    response = await client.patch(
        "/api/v1/me",
        headers={**ada.headers, "Content-Type": "application/json"},
        content=b'{"name": ',
    )
    body = assert_problem(response, 400, "malformed-body")
    assert "could not be decoded" in body["detail"]


async def test_field_too_long_is_400_naming_the_field(client: Client, ada: SignedIn) -> None:
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"name": "x" * 201})
    body = assert_problem(response, 400, "invalid-input")
    assert body["errors"][0]["field"] == "name"
    assert "200" in body["detail"]


async def test_unknown_field_is_rejected(client: Client, ada: SignedIn) -> None:
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"email": "x@y.z"})
    assert_problem(response, 400, "invalid-input")
    assert (await client.get("/api/v1/me", headers=ada.headers)).json()[
        "email"
    ] == "ada@example.com"


async def test_unexpected_error_is_a_500_problem_without_internals(
    client: Client, ada: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(*_: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(hosts, "update", explode)
    response = await client.patch("/api/v1/me", headers=ada.headers, json={"name": "x"})
    body = assert_problem(response, 500, "internal-error")
    assert "secret internal detail" not in response.text
    assert body["instance"] == "/api/v1/me"
