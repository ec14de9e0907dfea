"""Disconnecting Zoom: the grant is revoked when it is ours alone, and the account
is forgotten whatever Zoom answers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from booking.errors import NotFound
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.accounts.errors import AuthExpired
from integrations.accounts.tokens import OAuthTokens
from integrations.video import repository
from integrations.video import service as video_service
from integrations.video.environment import VideoEnvironment
from tests.conftest import SignedIn
from tests.emulators.zoom import ZoomEmulator
from tests.integrations.video.helpers import connect, later


async def _tokens(video: VideoEnvironment, host_id: int) -> tuple[int, OAuthTokens]:
    account = await repository.of_host(host_id)
    assert account is not None
    return account.id, OAuthTokens.from_dict(video.vault.decrypt(account.credentials))


async def test_disconnect_revokes_the_grant_and_forgets_the_account(
    ada: SignedIn, video: VideoEnvironment, zoom: ZoomEmulator
) -> None:
    await connect(video, ada.host.id)
    account_id, tokens = await _tokens(video, ada.host.id)
    assert await video_service.disconnect(video, ada.host.id, account_id) is True
    assert await repository.of_host(ada.host.id) is None
    assert video.zoom is not None
    with pytest.raises(AuthExpired):
        video.zoom.refresh(tokens)


async def test_a_grant_another_host_holds_too_is_kept(
    ada: SignedIn, video: VideoEnvironment, zoom: ZoomEmulator
) -> None:
    grace = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    await connect(video, ada.host.id)
    await connect(video, grace.id)  # the same Zoom user, e.g. a shared team login
    account_id, _ = await _tokens(video, ada.host.id)
    assert await video_service.disconnect(video, ada.host.id, account_id) is False
    assert zoom.requests.count(("POST", "/oauth/revoke")) == 0
    graces = await repository.of_host(grace.id)
    assert graces is not None
    with video_service.zoom_client(video, graces) as client:
        assert client.me().id


@pytest.mark.parametrize("status", [400, 429, 500, 503])
async def test_a_refusal_keeps_the_grant_but_still_forgets_the_account(
    ada: SignedIn,
    video: VideoEnvironment,
    zoom: ZoomEmulator,
    caplog: pytest.LogCaptureFixture,
    status: int,
) -> None:
    await connect(video, ada.host.id)
    account_id, tokens = await _tokens(video, ada.host.id)
    zoom.fail_next(1, status, path_contains="/oauth/revoke")
    with caplog.at_level(logging.WARNING, "rendezvous.video"):
        assert await video_service.disconnect(video, ada.host.id, account_id) is False
    assert await repository.of_host(ada.host.id) is None
    assert f"video account {account_id}: grant not revoked" in caplog.text
    assert video.zoom is not None
    assert video.zoom.refresh(tokens).access_token, "the grant still works at Zoom"


async def test_another_hosts_account_is_not_found(
    ada: SignedIn, video: VideoEnvironment, zoom: ZoomEmulator
) -> None:
    await connect(video, ada.host.id)
    account_id, _ = await _tokens(video, ada.host.id)
    grace = await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    with pytest.raises(NotFound, match="No such video account"):
        await video_service.disconnect(video, grace.id, account_id)
    assert await repository.of_host(ada.host.id) is not None
    assert zoom.requests.count(("POST", "/oauth/revoke")) == 0


async def test_two_processes_refreshing_at_once_both_carry_on(
    ada: SignedIn, video: VideoEnvironment, zoom: ZoomEmulator
) -> None:
    """Zoom spends a refresh token on first use. Two web processes whose jobs find the
    token expiring at the same moment must not both refresh with it: the loser would
    get invalid_grant and flag a healthy account "reconnect needed". Each client here
    stands for one process (its own copy of the tokens, its own in-process lock)."""
    await connect(video, ada.host.id)
    account = await repository.of_host(ada.host.id)
    assert account is not None
    first = video_service.zoom_client(video, account)
    second = video_service.zoom_client(video, account)
    with later(minutes=58), first, second:  # both copies now expire within the margin
        refreshes = zoom.requests.count(("POST", "/oauth/token"))
        users = await asyncio.gather(asyncio.to_thread(first.me), asyncio.to_thread(second.me))
        assert [user.id for user in users] == [zoom.user["id"]] * 2
        assert zoom.requests.count(("POST", "/oauth/token")) == refreshes + 1
        stored = await repository.of_host(ada.host.id)
        assert stored is not None
        assert stored.status == "ok"
        saved = OAuthTokens.from_dict(video.vault.decrypt(stored.credentials))
        assert saved == first.tokens == second.tokens
