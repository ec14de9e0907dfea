"""Refreshing one Microsoft account from several processes at once spends the
refresh token in msal's cache once: the others wait on the account row's lock,
re-read the stored cache and take it. The emulator refuses a refresh token used
twice (strict rotation), so a second refresh would read as "reconnect needed".
Real processes against real PostgreSQL (and SQLite's write lock), the emulator
slowed so that every process is waiting while the first one refreshes."""

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
from integrations.vault import TokenVault, generate_key
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.accounts.racing import race_refreshes
from tests.integrations.providers.microsoft.helpers import connect, microsoft_environment

PROCESSES = 3


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email="ada@contoso.example") as emulator:
        yield emulator


async def test_processes_refreshing_at_once_spend_the_refresh_token_once(
    db: None, database_url: str, tmp_path: Path, ms: MicrosoftGraphEmulator
) -> None:
    ada = await hosts.create(HostCreate(email="ada@example.com", slug="ada", time_zone="UTC"))
    key = generate_key()
    env = microsoft_environment(ms, vault=TokenVault(key))
    account_id = await connect(env, ms, ada.id)
    account = await repository.get(account_id)
    assert account is not None
    before = decrypt_tokens(env.vault, account.credentials)
    ms.set_strict_refresh_rotation()
    token_calls = ms.count("token")

    environ = {**os.environ, "DATABASE_URL": database_url, "RENDEZVOUS_VAR_DIR": str(tmp_path)}
    argv = [
        sys.executable, "-m", "tests.integrations.providers.microsoft.refresher", database_url,
        str(account_id), key, ms.client_id, ms.client_secret, ms.authority, ms.graph_url,
        ms.ca_file,
    ]  # fmt: skip
    got = await race_refreshes(argv, environ, PROCESSES, slow_provider=ms.set_latency, latency=0.3)

    assert ms.count("token") == token_calls + 1, "one refresh"
    stored = await repository.get(account_id)
    assert stored is not None
    after = decrypt_tokens(env.vault, stored.credentials)
    assert got == [after.access_token] * PROCESSES
    assert after.cache != before.cache, "the rotated refresh token was stored"
    assert stored.status == "ok"
