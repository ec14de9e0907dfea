"""The video accounts API (status, connect link, disconnect) and the rule that an
event type can use Zoom only while its host has Zoom connected."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar

from booking.event_types import service as event_types
from integrations.accounts import repository as accounts
from integrations.video import repository
from integrations.video.environment import VideoEnvironment
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import NOW, PUBLIC_URL, connect, emulator, zoom_settings
from tests.web.api.test_me import assert_problem
from web.app import create_app
from web.settings import Settings

API = "/api/v1/video-accounts"


@pytest.fixture(autouse=True)
def _insecure_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as running:
        yield running


@pytest.fixture
def zoom_configured() -> bool:
    return True


@pytest.fixture
def app(settings: Settings, zoom: ZoomEmulator, zoom_configured: bool) -> Litestar:
    return create_app(zoom_settings(settings, zoom) if zoom_configured else settings)


async def test_connect_link_status_and_disconnect(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar
) -> None:
    assert (await client.get(API, headers=ada.headers)).json() == []
    link = await client.post(API, json={"provider": "zoom"}, headers=ada.headers)
    assert link.status_code == 201
    assert link.json() == {"authorize_url": f"{PUBLIC_URL}/dashboard/video/zoom/connect"}

    video: VideoEnvironment = app.state.video
    await connect(video, ada.host.id)
    listed = (await client.get(API, headers=ada.headers)).json()
    assert len(listed) == 1
    account = listed[0]
    assert {k: account[k] for k in ("provider", "email", "display_name", "status")} == {
        "provider": "zoom",
        "email": "ada@example.com",
        "display_name": "Ada Lovelace",
        "status": "ok",
    }
    assert account["user_id"]
    assert "credentials" not in account

    assert_problem(
        await client.delete(f"{API}/{account['id'] + 1}", headers=ada.headers), 404, "not-found"
    )
    gone = await client.delete(f"{API}/{account['id']}", headers=ada.headers)
    assert gone.status_code == 204
    assert (await client.get(API, headers=ada.headers)).json() == []
    assert await repository.of_host(ada.host.id) is None, "the tokens are deleted"


@pytest.mark.parametrize("zoom_configured", [False])
async def test_connecting_needs_zoom_configured_and_a_known_provider(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    body = assert_problem(
        await client.post(API, json={"provider": "zoom"}, headers=ada.headers),
        422,
        "invalid-input",
    )
    assert "ZOOM_CLIENT_ID" in body["detail"]
    assert_problem(
        await client.post(API, json={"provider": "teams"}, headers=ada.headers),
        400,
        "invalid-input",
    )


async def test_zoom_location_needs_zoom_connected(
    client: httpx.AsyncClient, ada: SignedIn, app: Litestar
) -> None:
    zoom_type = {"title": "Video", "duration_minutes": 30, "location_kind": "zoom"}
    refused = assert_problem(
        await client.post("/api/v1/event-types", json=zoom_type, headers=ada.headers),
        422,
        "invalid-input",
    )
    assert refused["errors"] == [
        {"field": "location_kind", "message": event_types.ZOOM_NOT_CONNECTED}
    ]

    await connect(app.state.video, ada.host.id)
    created = await client.post("/api/v1/event-types", json=zoom_type, headers=ada.headers)
    assert created.status_code == 201, created.text
    assert created.json()["location_kind"] == "zoom"

    account = await repository.of_host(ada.host.id)
    assert account is not None
    await accounts.mark_reconnect_needed(account.id, "Revoked.", NOW)
    phone = await client.post(
        "/api/v1/event-types",
        json={"title": "Call", "duration_minutes": 30, "location_kind": "none"},
        headers=ada.headers,
    )
    switched = await client.patch(
        f"/api/v1/event-types/{phone.json()['id']}",
        json={"location_kind": "zoom"},
        headers=ada.headers,
    )
    assert_problem(switched, 422, "invalid-input")
