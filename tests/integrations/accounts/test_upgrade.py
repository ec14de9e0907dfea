"""Upgrading to connected accounts keeps every connection working: no host has to
reconnect Google or Zoom.

The database is built with the migrations of the release before (booking and video
complete, integrations up to 0003), rows are written in the shape that release
wrote them (calendar_account, calendar, busy_block, push_channel, video_account,
tokens encrypted with the server's key), then the rest is migrated and the app
runs against the emulators: the calendar goes on syncing from its stored sync
token, Zoom makes a meeting and rotates its tokens, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.accounts import repository as accounts
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import repository as calendars
from integrations.calendars.provider import SyncWindow
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.zoom import ZoomApp, ZoomClient
from integrations.vault import TokenVault
from integrations.video import service as video_service
from tests.conftest import serve_in_loop
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.calendars.helpers import app_settings, google_app
from tests.integrations.video.helpers import emulator, zoom_settings
from tests.migrations import insert, migration_id, old_release
from web import database
from web.app import create_app
from web.calendars import token_vault
from web.settings import Settings

BEFORE_ACCOUNTS = migration_id(
    "integrations.piccolo_migrations.integrations_0003_calendar_blocks_version"
)
VIDEO_BEFORE = migration_id("integrations.video.piccolo_migrations.video_0001_video_account")
OLD_GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events",
)
PRIMARY = "ada@example.com"


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email=PRIMARY) as fake:
        yield fake


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as fake:
        yield fake


@pytest.fixture
def settings(
    empty_database_url: str, tmp_path: Path, google: GoogleCalendarEmulator, zoom: ZoomEmulator
) -> Settings:
    plain = Settings(database_url=empty_database_url, secret_key="t" * 48, var_dir=tmp_path)
    return zoom_settings(app_settings(plain, google), zoom)


@pytest.fixture
async def before_accounts(settings: Settings) -> AsyncIterator[None]:
    """The database as the release before connected accounts left it, bound."""
    steps = [("booking", "all"), ("integrations", BEFORE_ACCOUNTS), ("video", VIDEO_BEFORE)]
    async with old_release(settings.database_url, steps):
        yield


def _old_credentials(vault: TokenVault, tokens: dict[str, Any], now: datetime) -> str:
    """What the old release stored: OAuthTokens.to_dict, encrypted."""
    return vault.encrypt(
        {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "expires_at": (now + timedelta(seconds=int(tokens["expires_in"]))).isoformat(),
            "scope": tokens["scope"],
        }
    )


def _zoom_grant(zoom: ZoomEmulator) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Zoom consent as the old release made it: tokens, and the user they are for."""
    app = ZoomApp(zoom.client_id, zoom.client_secret, endpoints=zoom.endpoints)
    consent = app.begin(zoom.redirect_uris[0], ())
    answer = httpx.get(consent.url)
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = app.finish(consent.pending, {"code": code})
    with ZoomClient(app, tokens, lambda _fresh: None) as client:
        user = client.me()
    return (
        {**tokens.to_dict(), "expires_in": 3600},
        {"id": user.id, "email": user.email, "name": user.display_name},
    )


async def test_connections_made_before_the_upgrade_keep_working(
    before_accounts: None, settings: Settings, google: GoogleCalendarEmulator, zoom: ZoomEmulator
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    connected = now - timedelta(days=40)
    vault = token_vault(settings)
    ada = await hosts.create(
        HostCreate(email=PRIMARY, slug="ada", time_zone="Europe/Berlin", name="Ada")
    )
    grace = await hosts.create(
        HostCreate(email="grace@example.com", slug="grace", time_zone="UTC", name="Grace")
    )

    # Ada's Google account, synced once by the old release: its sync token and blocks.
    google_tokens = google.issue_tokens(OLD_GOOGLE_SCOPES)
    google.add_event(PRIMARY, summary="Before", start=now + timedelta(days=1),
                     end=now + timedelta(days=1, hours=1))  # fmt: skip
    provider = GoogleCalendarProvider(
        google_app(google),
        OAuthTokens.from_dict(vault.decrypt(_old_credentials(vault, google_tokens, now))),
    )
    window = SyncWindow(now - timedelta(days=30), now + timedelta(days=365))
    page = provider.changes(PRIMARY, sync_state=None, window=window)
    assert page.sync_state is not None
    [before] = page.events
    account_id = await insert(
        "INSERT INTO calendar_account (host, provider, external_email, credentials, status,"
        " status_message, connected_at) VALUES ({}, 'google', {}, {}, 'ok', '', {})",
        ada.id, PRIMARY, _old_credentials(vault, google_tokens, now), connected,
    )  # fmt: skip
    calendar_id = await insert(
        'INSERT INTO calendar (account, remote_id, name, "primary", is_conflict,'
        " tentative_blocks, colour, sync_token, full_sync_window_start,"
        " full_sync_window_end, sync_generation, last_synced_at, blocks_version, last_error)"
        " VALUES ({}, {}, 'Ada', {}, {}, {}, '#9fe1e7', {}, {}, {}, 1, {}, 1, '')",
        account_id, PRIMARY, True, True, False, page.sync_state, window.start, window.end, now,
    )  # fmt: skip
    await insert(
        "INSERT INTO busy_block (calendar, remote_id, ical_uid, etag, start_at, end_at,"
        " all_day, busy, tentative, private, title, sync_generation)"
        " VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'Before', 1)",
        calendar_id, before.remote_id, before.ical_uid, before.etag,
        now + timedelta(days=1), now + timedelta(days=1, hours=1), False, True, False, False,
    )  # fmt: skip
    await insert(
        "INSERT INTO push_channel (calendar, channel_id, resource_id, token, expires_at)"
        " VALUES ({}, 'channel-1', 'resource-1', 'secret-token', {})",
        calendar_id, now + timedelta(days=5),
    )  # fmt: skip
    # Grace's Google account had died: still flagged, already e-mailed, after it.
    dead_id = await insert(
        "INSERT INTO calendar_account (host, provider, external_email, credentials, status,"
        " status_message, connected_at, reconnect_notified_at)"
        " VALUES ({}, 'google', 'grace@example.com', {}, 'reconnect_needed', 'Revoked.', {}, {})",
        grace.id, vault.encrypt({"access_token": "x", "refresh_token": "y",
                                 "expires_at": now.isoformat(), "scope": ""}),
        connected, now,
    )  # fmt: skip
    # Ada's Zoom.
    zoom_tokens, user = _zoom_grant(zoom)
    await insert(
        "INSERT INTO video_account (host, provider, credentials, external_user_id,"
        " external_email, display_name, status, status_message, connected_at)"
        " VALUES ({}, 'zoom', {}, {}, {}, {}, 'ok', '', {})",
        ada.id, _old_credentials(vault, zoom_tokens, now), user["id"], user["email"],
        user["name"], connected,
    )  # fmt: skip

    await database.migrate(database.build_engine(settings.database_url))

    app = create_app(replace(settings, public_url="http://127.0.0.1:8000"))
    async with serve_in_loop(app) as client:
        # Their own loops would race the test for the same work.
        await app.state.calendars.runner.stop()
        await app.state.outbox.stop()
        token = await hosts.create_token(ada.id, "upgrade")
        headers = {"Authorization": f"Bearer {token}"}

        [google_account] = (await client.get("/api/v1/calendar-accounts", headers=headers)).json()
        assert google_account["id"] == account_id
        assert (google_account["email"], google_account["status"]) == (PRIMARY, "ok")
        assert google_account["connected_at"].startswith(connected.isoformat()[:19])
        assert google_account["can_write"] is True, "the old release asked for write access"
        [listed] = (await client.get("/api/v1/calendars", headers=headers)).json()
        assert (listed["id"], listed["is_conflict"], listed["tentative_blocks"]) == (
            calendar_id, True, False,
        )  # fmt: skip
        channel = await calendars.channel("channel-1")
        assert channel is not None
        assert channel.calendar_id == calendar_id

        # Sync goes on from the stored token, with the stored (refreshed) grant.
        google.add_event(PRIMARY, summary="After", start=now + timedelta(days=2),
                         end=now + timedelta(days=2, hours=1))  # fmt: skip
        google.expire_access_tokens()
        [outcome] = await app.state.calendars.sync.sync_account(account_id)
        assert outcome.ok, outcome.error
        assert (outcome.full, outcome.written) == (False, 1)
        titles = sorted(b.title for b in await calendars.blocks_of(calendar_id))
        assert titles == ["After", "Before"]

        [zoom_account] = (await client.get("/api/v1/video-accounts", headers=headers)).json()
        assert (zoom_account["user_id"], zoom_account["status"]) == (user["id"], "ok")
        stored = next(iter(await accounts.of_host(ada.id, "video")))
        zoom.expire_access_tokens()  # the next call refreshes, and Zoom rotates
        with video_service.zoom_client(app.state.video, stored) as zoom_client:
            meeting = await asyncio.to_thread(
                zoom_client.create_meeting, "After the upgrade", now + timedelta(days=3), 30, "UTC"
            )
        assert meeting.join_url
        rotated = await accounts.get(stored.id)
        assert rotated is not None
        assert rotated.credentials != stored.credentials, "the rotated pair was stored"
        assert rotated.last_used_at is None or rotated.last_used_at >= now

        dead = await accounts.get(dead_id)
        assert dead is not None
        assert (dead.status, dead.reconnect_notified_at) == ("reconnect_needed", now)
        assert [a.id for a in await accounts.needing_reconnect(grace.id)] == [dead_id]
