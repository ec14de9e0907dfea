"""Security headers on every response: pages, API answers, errors and static files."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from tests.conftest import SignedIn, serve_in_loop
from web.app import create_app
from web.headers import CONTENT_SECURITY_POLICY
from web.settings import Settings

HTML = {"Accept": "text/html"}


def assert_common(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/login", "/ada", "/ada/no-such-event", "/no/such/page"])
async def test_pages_forbid_inline_script_and_framing(
    client: httpx.AsyncClient, ada: SignedIn, path: str
) -> None:
    response = await client.get(path, headers=HTML)
    assert response.headers["content-type"].startswith("text/html")
    assert_common(response)
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in response.headers


@pytest.mark.parametrize(
    "path",
    ["/booking/abc?token=secret", "/calendars/google/callback?state=s&code=c", "/x?a=1&token=t"],
)
async def test_addresses_carrying_a_secret_send_no_referrer(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers=HTML)
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_api_answers_and_static_files_carry_them_too(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    for response in (
        await client.get("/api/v1/me", headers=ada.headers),
        await client.get("/api/v1/me"),  # 401 problem document
        await client.get("/static/booking.js"),
        await client.get("/healthz"),
    ):
        assert_common(response)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_hsts_only_when_the_public_address_is_https(settings: Settings) -> None:
    secure = replace(settings, public_url="https://book.example.com")
    async with serve_in_loop(create_app(secure)) as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"
    assert "secure" in response.headers["set-cookie"].lower()
