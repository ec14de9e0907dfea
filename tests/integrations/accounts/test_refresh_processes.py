"""Refreshing one account's tokens from several processes at once spends the
refresh token once: the others wait on the account row's lock, re-read the stored
pair and take it. Zoom rotates refresh tokens, so a second refresh with the same
one would be answered invalid_grant and read as "reconnect needed". Real processes
against real PostgreSQL (and SQLite's write lock), the Zoom emulator slowed so that
every process is waiting while the first one refreshes."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.accounts import repository
from integrations.accounts.refresh import decrypt_tokens
from integrations.providers.zoom import ZoomApp
from integrations.vault import TokenVault, generate_key
from integrations.video.environment import VideoEnvironment
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.accounts.racing import race_refreshes
from tests.integrations.video.helpers import connect, emulator

PROCESSES = 3


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with emulator() as fake:
        yield fake


async def test_processes_refreshing_at_once_spend_the_refresh_token_once(
    db: None, database_url: str, tmp_path: Path, zoom: ZoomEmulator
) -> None:
    ada = await hosts.create(HostCreate(email="ada@example.com", slug="ada", time_zone="UTC"))
    key = generate_key()
    app = ZoomApp(zoom.client_id, zoom.client_secret, endpoints=zoom.endpoints)
    # Connecting needs no booking environment: that is for the meeting jobs' e-mails.
    video = VideoEnvironment(TokenVault(key), "http://127.0.0.1:8000", "", None, app)  # type: ignore[arg-type]
    await connect(video, ada.id)
    [account] = await repository.of_host(ada.id, "video")
    before = decrypt_tokens(video.vault, account.credentials)
    token_calls = zoom.requests.count(("POST", "/oauth/token"))

    env = {**os.environ, "DATABASE_URL": database_url, "RENDEZVOUS_VAR_DIR": str(tmp_path)}
    endpoints = zoom.endpoints
    argv = [
        sys.executable, "-m", "tests.integrations.accounts.refresher", database_url,
        str(account.id), key, zoom.client_id, zoom.client_secret, endpoints.authorize_url,
        endpoints.token_url, endpoints.api_base, endpoints.revoke_url,
    ]  # fmt: skip
    got = await race_refreshes(argv, env, PROCESSES, slow_provider=zoom.set_latency, latency=0.5)

    assert zoom.requests.count(("POST", "/oauth/token")) == token_calls + 1, "one refresh"
    stored = await repository.get(account.id)
    assert stored is not None
    after = decrypt_tokens(video.vault, stored.credentials)
    assert got == [after.access_token] * PROCESSES
    assert after.refresh_token != before.refresh_token, "Zoom rotated, and we kept the new one"
    assert stored.status == "ok"
