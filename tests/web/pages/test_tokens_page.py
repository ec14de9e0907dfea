"""The API tokens page: list, create (the secret shown once and working on the API),
revoke behind a confirmation step; inline errors; CSRF on every form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

PAGE = "/dashboard/tokens"


def secret_of(page: str) -> str:
    match = re.search(r'<input id="new-token" class="secret" readonly value="([^"]+)"', page)
    assert match, "the new token's secret is on the page"
    return match.group(1)


def row_of(page: str, name: str) -> str:
    match = re.search(rf"<tr>\s*<td data-label=\"Name\">{re.escape(name)}</td>.*?</tr>", page, re.S)
    assert match, f"{name} is listed"
    return match.group(0)


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get(PAGE, headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")


async def test_create_a_token_see_it_once_and_use_it(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    listed = await client.get(PAGE)
    assert listed.status_code == 200
    # The fixture's own token is listed, never its secret.
    assert ada.token not in listed.text
    assert '<td data-label="Last used">Never</td>' in row_of(listed.text, "tests")

    token = await csrf_token(client, PAGE)
    created = await client.post(
        PAGE, data={"name": "CRM import", "expires_on": "", "_csrf_token": token}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    assert "shown this once" in created.text
    secret = secret_of(created.text)
    row = row_of(created.text, "CRM import")
    assert '<td data-label="Expires">Never</td>' in row
    assert '<td data-label="Status">Active</td>' in row

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    again = await client.get(PAGE)
    assert secret not in again.text, "the secret is shown once only"
    assert re.search(
        r'<td data-label="Last used">\d{4}-\d\d-\d\d \d\d:\d\d</td>',
        row_of(again.text, "CRM import"),
    )


async def test_an_expiry_date_ends_the_token_after_that_day_in_the_hosts_zone(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    day = (datetime.now(UTC) + timedelta(days=30)).date()
    created = await client.post(
        PAGE, data={"name": "Short lived", "expires_on": day.isoformat(), "_csrf_token": token}
    )
    assert created.status_code == 200
    # Ada is in Europe/Berlin: the end of that day there, shown in her zone.
    after = day + timedelta(days=1)
    assert f'<td data-label="Expires">{after.isoformat()} 00:00</td>' in row_of(
        created.text, "Short lived"
    )
    (made,) = [t for t in await hosts.list_tokens(ada.host.id) if t.name == "Short lived"]
    assert made.expires_at is not None
    assert made.expires_at.astimezone(UTC).hour in {22, 23}  # midnight in Berlin


async def test_every_bad_field_is_shown_at_once_and_what_was_typed_is_kept(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    response = await client.post(
        PAGE, data={"name": "  ", "expires_on": "2020-01-01", "_csrf_token": token}
    )
    assert response.status_code == 422
    assert "2 fields need a change" in response.text
    assert 'id="token-name-error">Give the token a name' in response.text
    assert 'id="expires-on-error">Must be in the future.' in response.text
    assert 'value="2020-01-01"' in response.text
    assert "new-token" not in response.text

    long = await client.post(PAGE, data={"name": "x" * 101, "_csrf_token": token})
    assert long.status_code == 422
    assert "Use at most 100 characters." in long.text
    assert [t.name for t in await hosts.list_tokens(ada.host.id)] == ["tests"]


async def test_revoke_a_token_after_confirming(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(PAGE)
    row = row_of(page.text, "tests")
    # The revoking button sits behind a disclosure: the confirmation step.
    assert re.search(r"<details class=\"confirm\">\s*<summary>Revoke", row)
    action = re.search(r'action="(/dashboard/tokens/\d+/revoke)"', row)
    assert action

    token = await csrf_token(client, PAGE)
    refused = await client.post(action.group(1))
    assert refused.status_code == 403
    assert (await client.get("/api/v1/me", headers=ada.headers)).status_code == 200

    revoked = await client.post(action.group(1), data={"_csrf_token": token})
    assert revoked.status_code == 200
    assert "Revoked tests. It no longer works." in revoked.text
    row = row_of(revoked.text, "tests")
    assert re.search(r'<td data-label="Status">Revoked \d{4}-\d\d-\d\d \d\d:\d\d</td>', row)
    assert "<details" not in row
    assert (await client.get("/api/v1/me", headers=ada.headers)).status_code == 401

    twice = await client.post(action.group(1), data={"_csrf_token": token})
    assert twice.status_code == 404
    assert "No such API token." in twice.text


async def test_another_hosts_token_cannot_be_revoked(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    grace = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    secret = await hosts.create_token(grace.id, "hers")
    (theirs,) = await hosts.list_tokens(grace.id)
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, PAGE)
    response = await client.post(f"{PAGE}/{theirs.id}/revoke", data={"_csrf_token": token})
    assert response.status_code == 404
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 200
