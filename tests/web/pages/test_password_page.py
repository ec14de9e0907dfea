"""The change-password page: its own form, every problem shown at its field at once,
CSRF required; a change signs out every other session (tests/web/test_sessions.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

PAGE = "/dashboard/password"


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get(PAGE, headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fdashboard%2Fpassword"


async def test_the_page_has_a_labelled_form_and_the_dashboard_links_to_it(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(PAGE)
    assert page.status_code == 200
    for field, label in (
        ("current_password", "Current password"),
        ("new_password", "New password"),
        ("confirm_password", "New password again"),
    ):
        assert f'<label for="{field}">{label}</label>' in page.text
        assert f'id="{field}" name="{field}" type="password"' in page.text
    assert 'href="/dashboard/password"' in (await client.get("/dashboard")).text


async def test_change_the_password_on_the_page(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    changed = await client.post(
        PAGE,
        data={
            "current_password": PASSWORD,
            "new_password": "a much better passphrase",
            "confirm_password": "a much better passphrase",
            "_csrf_token": token,
        },
    )
    assert changed.status_code == 200
    assert "Password changed. You were signed out everywhere else." in changed.text
    # The session goes on under a new id, so the token of the old one is void.
    assert (await client.get(PAGE)).status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, ada.host.email, PASSWORD)).status_code == 401
    assert (await sign_in(client, ada.host.email, "a much better passphrase")).status_code == 303


async def test_every_problem_is_shown_at_its_field_at_once(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    response = await client.post(
        PAGE,
        data={
            "current_password": "",
            "new_password": "short",
            "confirm_password": "other",
            "_csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "3 fields need a change" in response.text
    for field, message in (
        ("current_password", "Enter your current password."),
        ("new_password", "Use 8 to 1024 characters."),
        ("confirm_password", "The two new passwords differ."),
    ):
        assert f'<p class="error field-error" id="{field}-error">{message}</p>' in response.text
        assert f'id="{field}" name="{field}"' in response.text
    assert response.text.count('aria-invalid="true"') == 3


@pytest.mark.parametrize(
    ("current", "new", "field", "message"),
    [
        ("wrong password", "new enough pw", "current_password", "not your current password"),
        (PASSWORD, PASSWORD, "new_password", "is the current one"),
    ],
)
async def test_what_only_the_service_knows_is_shown_at_its_field(
    client: httpx.AsyncClient, ada: SignedIn, current: str, new: str, field: str, message: str
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    response = await client.post(
        PAGE,
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new,
            "_csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert f'id="{field}-error">' in response.text
    assert message in response.text


async def test_a_change_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    refused = await client.post(
        PAGE,
        data={
            "current_password": PASSWORD,
            "new_password": "a much better passphrase",
            "confirm_password": "a much better passphrase",
        },
    )
    assert refused.status_code == 403
    client.cookies.clear()
    assert (await sign_in(client, ada.host.email, PASSWORD)).status_code == 303
