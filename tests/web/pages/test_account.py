from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import SignedIn

PASSWORD = "correct horse battery"


async def csrf_token(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "every form carries a CSRF token"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str, next_: str = ""
) -> httpx.Response:
    token = await csrf_token(client, "/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "next": next_, "_csrf_token": token},
    )


async def test_the_home_page_says_what_this_is_and_signs_in(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    landing = await client.get("/", headers={"Accept": "text/html"})
    assert landing.status_code == 200
    assert "self-hosted booking service" in landing.text
    assert 'action="/login"' in landing.text
    assert 'aria-label="Main"' not in landing.text, "no host navigation for a stranger"

    token = await csrf_token(client, "/")
    signed_in = await client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": PASSWORD,
            "next": "/dashboard",
            "_csrf_token": token,
        },
    )
    assert signed_in.headers["location"] == "/dashboard"


async def test_the_home_page_leads_a_signed_in_host_to_the_dashboard(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    response = await client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


async def test_dashboard_redirects_to_sign_in_when_signed_out(client: httpx.AsyncClient) -> None:
    response = await client.get("/dashboard", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fdashboard"


async def test_sign_in_with_password_then_see_and_edit_profile(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await sign_in(client, "ADA@example.com", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"

    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200
    assert "Ada Lovelace" in dashboard.text
    assert 'value="Europe/Berlin"' in dashboard.text

    token = await csrf_token(client, "/dashboard")
    saved = await client.post(
        "/dashboard/profile",
        data={"name": "Ada", "slug": "ada-l", "time_zone": "Asia/Kolkata", "_csrf_token": token},
    )
    assert saved.status_code == 200
    assert "Saved." in saved.text
    me = (await client.get("/api/v1/me", headers=ada.headers)).json()
    assert (me["slug"], me["time_zone"]) == ("ada-l", "Asia/Kolkata")


async def test_bad_profile_input_shows_a_message_and_keeps_what_was_typed(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    token = await csrf_token(client, "/dashboard")
    response = await client.post(
        "/dashboard/profile",
        data={"name": "Typed name", "slug": "ada", "time_zone": "Mars/Base", "_csrf_token": token},
    )
    assert response.status_code == 422
    assert "is not an IANA time zone" in response.text
    assert 'value="Typed name"' in response.text
    assert 'value="Mars/Base"' in response.text


async def test_wrong_password_is_refused_with_a_message(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await sign_in(client, "ada@example.com", "wrong")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert (await client.get("/dashboard")).status_code == 303


async def test_sign_in_returns_to_the_requested_page_but_never_off_site(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    response = await sign_in(client, "ada@example.com", PASSWORD, next_="//evil.example/x")
    assert response.headers["location"] == "/dashboard"


async def test_form_post_without_csrf_token_is_refused(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await client.get("/login")
    response = await client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert (await client.get("/dashboard")).status_code == 303


async def test_sign_out_ends_the_session(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    token = await csrf_token(client, "/dashboard")
    response = await client.post("/logout", data={"_csrf_token": token})
    assert response.status_code == 303
    assert (await client.get("/dashboard")).status_code == 303


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/no/such/page", "Not Found"), ("/no-such-host", "Not found")],
)
async def test_unknown_page_is_a_friendly_html_page(
    client: httpx.AsyncClient, path: str, heading: str
) -> None:
    response = await client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in response.text
    assert "Traceback" not in response.text
