"""Fixtures for the video tests: the Zoom emulator, an app on it whose outbox the test
drives, and a host (Ada) with Zoom connected and a Zoom event type."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import time_machine
from litestar import Litestar

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate
from integrations.outbox import OutboxRunner
from integrations.video.environment import VideoEnvironment
from integrations.video.jobs import video_job_handlers
from integrations.video.service import zoom_connected
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import NOW, connect, emulator, zoom_settings
from web.app import create_app
from web.settings import Settings


@pytest.fixture(autouse=True)
def _insecure_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    # The emulator speaks http://; oauthlib refuses that unless told (tests only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as running:
        yield running


@pytest.fixture
def app(settings: Settings, zoom: ZoomEmulator) -> Litestar:
    return create_app(zoom_settings(settings, zoom))


@pytest.fixture
def video(app: Litestar) -> VideoEnvironment:
    environment: VideoEnvironment = app.state.video
    return environment


@pytest.fixture
async def runner(app: Litestar, ada: SignedIn) -> OutboxRunner:
    """The app's outbox, stopped: its own loop would race the test for jobs, so the
    test runs rounds itself with ``drain()``."""
    outbox: OutboxRunner = app.state.outbox
    await outbox.stop()
    return outbox


@pytest.fixture
def impatient(runner: OutboxRunner, video: VideoEnvironment) -> OutboxRunner:
    """A runner whose Zoom client gives up after 0.1 s: with the emulator's latency
    set above that, Zoom carries out a request whose answer is lost."""
    assert video.zoom is not None
    hasty = replace(video, zoom=replace(video.zoom, timeout=(1.0, 0.1)))
    return OutboxRunner(None, handlers=video_job_handlers(hasty))


@pytest.fixture
async def intro(ada: SignedIn, video: VideoEnvironment) -> EventType:
    """Ada's Zoom event type, with Zoom connected."""
    await connect(video, ada.host.id)
    return await event_types.create(
        ada.host.id,
        EventTypeCreate(
            title="Intro call", slug="intro", duration_minutes=30, location_kind="zoom"
        ),
        zoom_connected=zoom_connected,
    )
