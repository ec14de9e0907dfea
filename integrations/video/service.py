"""Rules for video accounts: connecting Zoom, its status, disconnecting, and the Zoom
client the meeting jobs use. No HTTP handling here; what every connected account
shares (storage, refresh, reconnect flow) is in :mod:`integrations.accounts`."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

from booking.convert import to_schema
from booking.errors import InvalidInput, NotFound
from integrations.accounts import service as accounts
from integrations.accounts.errors import ProviderError
from integrations.accounts.records import Account, Identity
from integrations.accounts.refresh import decrypt_tokens, thread_refresher
from integrations.accounts.tokens import OAuthTokens
from integrations.providers.zoom import SCOPES, ZoomApp, ZoomClient, ZoomUser
from integrations.video import repository
from integrations.video.environment import VideoEnvironment
from integrations.video.schemas import VideoAccount


def _to_account(account: Account) -> VideoAccount:
    # Zoom accounts know no "error" status: anything but reconnect_needed is usable.
    status = "reconnect_needed" if account.status == "reconnect_needed" else "ok"
    return to_schema(
        account,
        VideoAccount,
        user_id=account.external_id,
        email=account.external_email,
        status=status,
    )


def zoom_app(env: VideoEnvironment) -> ZoomApp:
    if env.zoom is None:
        raise InvalidInput("provider", "Zoom is not configured on this server (ZOOM_CLIENT_ID).")
    return env.zoom


async def zoom_connected(host_id: int) -> bool:
    """Whether the host can have Zoom meetings now (event types' location "zoom")."""
    return await repository.connected(host_id)


async def list_accounts(host_id: int) -> list[VideoAccount]:
    account = await repository.of_host(host_id)
    return [] if account is None else [_to_account(account)]


async def connect_zoom(
    env: VideoEnvironment,
    host_id: int,
    pending: Mapping[str, str],
    response: Mapping[str, str],
    now: datetime,
) -> VideoAccount:
    """Finish the consent: redeem the code, ask Zoom who granted it, store both.

    Connecting again (a reconnect, or another Zoom user) replaces the grant and
    clears the status.
    """
    app = zoom_app(env)
    tokens = await asyncio.to_thread(app.finish, pending, response)

    def who() -> tuple[ZoomUser, OAuthTokens]:
        # Fresh tokens do not refresh here; client.tokens covers it if they ever did.
        with ZoomClient(app, tokens, lambda _fresh: None) as client:
            return client.me(), client.tokens

    user, tokens = await asyncio.to_thread(who)
    await accounts.connect(
        host_id,
        "zoom",
        repository.PURPOSE,
        Identity(external_id=user.id, external_email=user.email, display_name=user.display_name),
        credentials=env.vault.encrypt(tokens.to_dict()),
        scopes=tokens.scope or " ".join(SCOPES),
        now=now,
        one_per_host=True,
    )
    account = await repository.of_host(host_id)
    if account is None:  # deleted meanwhile: a concurrent disconnect
        raise NotFound("The Zoom account was disconnected meanwhile.")
    return _to_account(account)


async def disconnect(env: VideoEnvironment, host_id: int, account_id: int) -> bool:
    """Revoke the grant at Zoom (unless another host holds it too) and forget the
    account and its tokens; returns whether the grant was revoked. Meetings already
    made stay in Zoom."""
    account = await repository.of_host(host_id)
    if account is None or account.id != account_id:
        raise NotFound("No such video account.")

    try:
        client = zoom_client(env, account)
    except (ProviderError, InvalidInput) as exc:
        unusable = ProviderError(exc.detail)

        def revoke() -> None:
            raise unusable

    else:

        def revoke() -> None:
            with client:
                client.revoke()

    return await accounts.forget(account, revoke)


def zoom_client(env: VideoEnvironment, account: Account) -> ZoomClient:
    """A client for the account, to be used in a worker thread (``asyncio.to_thread``).

    Call on the event loop. Refreshes go through the shared refresh under the
    account's lock, so clients in other jobs and processes never spend the same
    refresh token twice."""
    app = zoom_app(env)
    tokens = decrypt_tokens(env.vault, account.credentials)
    refresher = thread_refresher(env.vault, account.id, app.refresh, app.now)
    return ZoomClient(app, tokens, lambda _fresh: None, refresher=refresher)


async def reconnect_needed(
    env: VideoEnvironment, account: Account, reason: str, now: datetime
) -> None:
    """Flag the account "reconnect needed" and e-mail the host (once per grant)."""
    await accounts.reconnect_needed(
        account,
        f"{reason} Reconnect Zoom on the video conferencing tab.",
        now,
        env,
    )
