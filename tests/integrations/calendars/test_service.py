"""Disconnecting a calendar account: the grant is revoked at Google when it is ours
alone, and the account is forgotten whatever Google answers."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import requests

from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from integrations.accounts import repository as accounts
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.sync import CalendarSync
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import connect


async def _refresh_token(env: CalendarEnvironment, account_id: int) -> str:
    account = await accounts.get(account_id)
    assert account is not None
    return OAuthTokens.from_dict(env.vault.decrypt(account.credentials)).refresh_token


def _refreshes(google: GoogleCalendarEmulator, refresh_token: str) -> bool:
    """Whether Google still honours the refresh token, asked as any client would."""
    answer = requests.post(
        google.token_uri,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": google.client_id,
            "client_secret": google.client_secret,
        },
        timeout=5,
    )
    return answer.status_code == 200


async def test_disconnect_revokes_the_grant_and_forgets_the_account(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    account_id = await connect(env, host.id)
    token = await _refresh_token(env, account_id)
    assert _refreshes(google, token)
    assert await service.disconnect(env, sync, host.id, account_id) is True
    assert not _refreshes(google, token)
    assert await accounts.get(account_id) is None


async def test_a_grant_the_user_already_revoked_counts_as_revoked(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    account_id = await connect(env, host.id)
    google.revoke_refresh_token()  # removed under the Google account's third-party access
    assert await service.disconnect(env, sync, host.id, account_id) is True
    assert await accounts.get(account_id) is None


async def test_a_grant_another_host_holds_too_is_kept(
    env: CalendarEnvironment, sync: CalendarSync, google: GoogleCalendarEmulator, host: Host
) -> None:
    """Two hosts connected the same Google account (a shared team mailbox, say): one
    disconnecting must not cut the other off."""
    other = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    mine, theirs = await connect(env, host.id), await connect(env, other.id)
    token = await _refresh_token(env, mine)
    assert await service.disconnect(env, sync, host.id, mine) is False
    assert _refreshes(google, token), "the shared grant was not revoked"
    assert await accounts.get(mine) is None
    outcome = await sync.sync_account(theirs)
    assert all(result.ok for result in outcome)


@pytest.mark.parametrize("status", [400, 403, 429, 500, 503])
async def test_a_refusal_keeps_the_grant_but_still_forgets_the_account(
    env: CalendarEnvironment,
    sync: CalendarSync,
    google: GoogleCalendarEmulator,
    host: Host,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    account_id = await connect(env, host.id)
    token = await _refresh_token(env, account_id)
    google.fail_next(1, status, "backendError", "oauth2.revoke")
    with caplog.at_level(logging.WARNING, "rendezvous.calendars"):
        assert await service.disconnect(env, sync, host.id, account_id) is False
    assert await accounts.get(account_id) is None
    assert _refreshes(google, token), "the emulator refused, so nothing was revoked"
    assert f"calendar account {account_id}: grant not revoked" in caplog.text


async def test_an_unreachable_google_still_forgets_the_account(
    env: CalendarEnvironment, sync: CalendarSync, host: Host, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = await connect(env, host.id)
    assert env.google is not None
    closed = replace(env.google.endpoints, revoke_uri="http://127.0.0.1:9/revoke")
    unreachable = replace(env, google=replace(env.google, endpoints=closed))
    with caplog.at_level(logging.WARNING, "rendezvous.calendars"):
        assert await service.disconnect(unreachable, sync, host.id, account_id) is False
    assert await accounts.get(account_id) is None
    assert "unreachable" in caplog.text
