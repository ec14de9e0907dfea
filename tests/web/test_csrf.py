"""CSRF tokens are bound to the session (or anonymous browser) they were issued to."""

from __future__ import annotations

import httpx
from litestar import Litestar

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from tests.web.test_sessions import browser


async def rename(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/dashboard/profile",
        data={"name": "Pwned", "slug": "ada", "time_zone": "UTC", "_csrf_token": token},
    )


async def test_a_token_from_an_anonymous_page_does_not_work_with_a_session(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn
) -> None:
    async with browser(app) as attacker:
        anonymous_token = await csrf_token(attacker, "/login")
        attackers_cookie = attacker.cookies["csrf"]
    await sign_in(client, "ada@example.com", PASSWORD)
    # Even with the attacker's anonymous cookie planted in the victim's browser (a
    # sibling subdomain can set cookies), the token matches no session.
    client.cookies.set("csrf", attackers_cookie)
    response = await rename(client, anonymous_token)
    assert response.status_code == 403
    assert (await hosts.get(ada.host.id)).name == "Ada Lovelace"


async def test_a_token_from_another_session_does_not_work(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await hosts.create(HostCreate(email="eve@example.com", slug="eve", password=PASSWORD))
    async with browser(app) as attacker:
        await sign_in(attacker, "eve@example.com", PASSWORD)
        attackers_token = await csrf_token(attacker, "/dashboard")
    await sign_in(client, "ada@example.com", PASSWORD)
    assert (await rename(client, attackers_token)).status_code == 403
    assert (await hosts.get(ada.host.id)).name == "Ada Lovelace"


async def test_tokens_issued_before_sign_in_die_with_it(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    before = await csrf_token(client, "/login")
    await sign_in(client, "ada@example.com", PASSWORD)
    assert (await rename(client, before)).status_code == 403
    own = await csrf_token(client, "/dashboard")
    assert before != own
    assert (await rename(client, own)).status_code == 200
    assert (await hosts.get(ada.host.id)).name == "Pwned"


async def test_the_header_works_like_the_form_field(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    token = await csrf_token(client, "/dashboard")
    response = await client.post(
        "/dashboard/profile",
        data={"name": "Ada L.", "slug": "ada", "time_zone": "UTC"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert (await hosts.get(ada.host.id)).name == "Ada L."


async def test_a_browser_that_never_got_the_form_is_refused(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await csrf_token(client, "/login")
    async with browser(app) as stranger:
        # The right token value, but not this browser's: no anonymous cookie to match.
        response = await stranger.post(
            "/login", data={"email": "ada@example.com", "password": PASSWORD, "_csrf_token": token}
        )
    assert response.status_code == 403
    assert "session" not in response.cookies


async def test_the_api_and_webhooks_need_no_csrf_token(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await client.patch("/api/v1/me", json={"name": "Via API"}, headers=ada.headers)
    assert response.status_code == 200
