"""The API reference at /schema works offline: Redoc from this site's vendored files,
nothing from a CDN, no inline script; the page's CSP allows just what Redoc needs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from web.api_docs import REDOC_JS, REDOC_VERSION
from web.headers import API_DOCS_POLICY, CONTENT_SECURITY_POLICY

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"


async def test_the_reference_page_loads_only_this_sites_files(client: httpx.AsyncClient) -> None:
    for path in ("/schema", "/schema/redoc"):
        page = await client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        addresses = re.findall(r'(?:src|href|spec-url)="([^"]*)"', page.text)
        assert addresses, "the page loads Redoc and the document"
        for address in addresses:
            assert address.startswith("/"), address
            assert not address.startswith("//"), address
        assert "http://" not in page.text
        assert "https://" not in page.text
        # Every script has a src: nothing inline for the CSP to allow.
        assert re.findall(r"<script[^>]*>", page.text) == [f'<script src="{REDOC_JS}">']
        assert '<redoc spec-url="/schema/openapi.json">' in page.text
        assert page.headers["content-security-policy"] == API_DOCS_POLICY

    script = await client.get(REDOC_JS)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert (await client.get("/schema/openapi.json")).status_code == 200


def test_the_vendored_redoc_carries_its_licence_and_version() -> None:
    folder = STATIC / "vendor" / f"redoc-{REDOC_VERSION}"
    bundle = (folder / "redoc.standalone.js").read_text()
    assert len(bundle) > 500_000
    assert "cdn.redoc.ly" not in bundle, "the logo is fetched from nowhere (make vendor-redoc)"
    assert "MIT License" in (folder / "LICENSE").read_text()
    assert (folder / "VERSION").read_text().startswith(f"redoc {REDOC_VERSION} ")


async def test_the_docs_policy_stays_on_the_docs_page(client: httpx.AsyncClient) -> None:
    assert (await client.get("/login")).headers["content-security-policy"] == (
        CONTENT_SECURITY_POLICY
    )
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in API_DOCS_POLICY
    assert "'unsafe-inline'" not in API_DOCS_POLICY.split("script-src")[1].split(";")[0]
