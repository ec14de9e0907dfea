"""The video conferencing tab: connecting Zoom in the browser, refusing a callback
that did not start here, status, and disconnecting."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from integrations.accounts import repository as accounts
from integrations.video import repository
from integrations.video.environment import VideoEnvironment
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import NOW, REDIRECT_URI, connect, emulator, follow
from tests.integrations.video.helpers import zoom_settings as zoom_app_settings
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings

TAB = "/dashboard/video"
HTML = {"Accept": "text/html"}


@pytest.fixture(autouse=True)
def _insecure_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as running:
        yield running


@pytest.fixture
def app(settings: Settings, zoom: ZoomEmulator) -> Litestar:
    return create_app(zoom_app_settings(settings, zoom))


async def start_consent(client: httpx.AsyncClient, zoom: ZoomEmulator) -> httpx.Response:
    """Click "Connect Zoom": our redirect to Zoom, then Zoom's back to our callback."""
    start = await client.get(f"{TAB}/zoom/connect")
    assert start.status_code == 302, start.text
    assert start.headers["location"].startswith(zoom.authorize_url + "?")
    assert "code_challenge_method=S256" in start.headers["location"]
    back = await follow(start.headers["location"])
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(REDIRECT_URI + "?")
    return back


def callback_path(back: httpx.Response, **override: str) -> str:
    location = urlsplit(back.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()} | override
    return location.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


async def test_connect_in_the_browser_shows_the_zoom_user_and_stores_tokens_encrypted(
    client: httpx.AsyncClient, ada: SignedIn, zoom: ZoomEmulator, app: Litestar
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    assert f'href="{TAB}"' in (await client.get("/dashboard")).text
    assert "Connect Zoom" in (await client.get(TAB)).text

    back = await start_consent(client, zoom)
    done = await client.get(callback_path(back))
    assert done.status_code == 303
    assert done.headers["location"] == TAB
    page = await client.get(TAB)
    assert "Connected as <strong>Ada Lovelace</strong>" in page.text
    assert "ada@example.com" in page.text
    assert "Status: connected" in page.text

    account = await repository.of_host(ada.host.id)
    assert account is not None
    video: VideoEnvironment = app.state.video
    tokens = video.vault.decrypt(account.credentials)
    assert tokens["access_token"] not in account.credentials
    assert tokens["refresh_token"] not in account.credentials

    replayed = await client.get(callback_path(back), headers=HTML)
    assert replayed.status_code == 400, "a callback works once"


async def test_a_callback_that_did_not_start_here_is_refused_and_stores_nothing(
    client: httpx.AsyncClient, ada: SignedIn, zoom: ZoomEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    back = await start_consent(client, zoom)
    forged = await client.get(callback_path(back, state="forged"), headers=HTML)
    assert forged.status_code == 400
    assert "did not start here" in forged.text
    assert "Nothing was connected" in forged.text
    # The real state was spent by the forged attempt too.
    assert (await client.get(callback_path(back), headers=HTML)).status_code == 400
    assert await repository.of_host(ada.host.id) is None


async def test_declined_consent_is_explained(
    client: httpx.AsyncClient, ada: SignedIn, zoom: ZoomEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    zoom.deny_consent()
    back = await start_consent(client, zoom)
    refused = await client.get(callback_path(back), headers=HTML)
    assert refused.status_code == 400
    assert "Zoom did not grant access (access_denied)" in refused.text
    assert await repository.of_host(ada.host.id) is None


async def test_reconnect_needed_is_shown_and_disconnect_forgets_the_account(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar
) -> None:
    await connect(app.state.video, ada.host.id)
    account = await repository.of_host(ada.host.id)
    assert account is not None
    await accounts.mark_reconnect_needed(account.id, "Zoom refused our access.", NOW)
    await sign_in(client, "ada@example.com", PASSWORD)
    page = await client.get(TAB)
    assert "Status: reconnect needed. Zoom refused our access." in page.text
    assert f'href="{TAB}/zoom/connect">reconnect Zoom' in page.text

    token = await csrf_token(client, TAB)
    gone = await client.post(f"{TAB}/accounts/{account.id}/disconnect", data={"_csrf_token": token})
    assert gone.status_code == 303
    assert await repository.of_host(ada.host.id) is None
    assert "Connect Zoom" in (await client.get(TAB)).text
