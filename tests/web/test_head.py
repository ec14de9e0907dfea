"""HEAD is answered wherever GET is: the GET's status and headers, no body."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, sign_in


async def head_and_get(
    client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, httpx.Response]:
    head = await client.head(path, headers=headers)
    got = await client.get(path, headers=headers)
    return head, got


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/login", "text/html"),
        ("/static/site.css", "text/css"),
        ("/favicon.ico", "image/vnd.microsoft.icon"),
        ("/healthz", "application/json"),
        ("/schema", "text/html"),
    ],
)
async def test_head_answers_like_get_without_a_body(
    client: httpx.AsyncClient, path: str, media_type: str
) -> None:
    head, got = await head_and_get(client, path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"].startswith(media_type)
    assert head.headers["content-length"] == str(len(got.content))
    assert "content-security-policy" in head.headers


async def test_head_on_an_api_get_and_a_signed_in_page(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    head, got = await head_and_get(client, "/api/v1/me", headers=ada.headers)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(got.content))

    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.head("/dashboard/tokens")
    assert (page.status_code, page.content) == (200, b"")
    assert page.headers["content-type"].startswith("text/html")


async def test_head_keeps_the_status_of_what_is_not_there_or_not_allowed(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.head("/static/no-such-file.css")
    assert (missing.status_code, missing.content) == (404, b"")
    guarded = await client.head("/dashboard", headers={"Accept": "text/html"})
    assert guarded.status_code == 303
    assert guarded.headers["location"] == "/login?next=%2Fdashboard"
    api = await client.head("/api/v1/me")
    assert (api.status_code, api.content) == (401, b"")
    # Only GET's twin: a route without GET still refuses HEAD.
    assert (await client.head("/logout")).status_code == 405
