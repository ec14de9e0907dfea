"""Rules for video accounts: connecting Zoom, its status, disconnecting, and the Zoom
client the meeting jobs use. No HTTP handling here."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, cast

from booking.errors import InvalidInput, NotFound
from integrations.oauth.tokens import OAuthTokens
from integrations.providers.zoom import ZoomApp, ZoomAuthError, ZoomClient, ZoomError, ZoomUser
from integrations.vault import VaultError
from integrations.video import repository
from integrations.video.environment import VIDEO_TAB_PATH, VideoEnvironment
from integrations.video.reconnect import queue_reconnect_email
from integrations.video.schemas import AccountStatus, VideoAccount

logger = logging.getLogger("rendezvous.video")

#: A token refresh saved from a worker thread waits this long for the database.
_SAVE_TIMEOUT = 60.0


def _to_account(row: dict[str, Any]) -> VideoAccount:
    return VideoAccount(
        id=row["id"],
        provider=row["provider"],
        user_id=row["external_user_id"],
        email=row["external_email"],
        display_name=row["display_name"],
        status=cast(AccountStatus, row["status"]),
        status_message=row["status_message"],
        connected_at=row["connected_at"],
    )


def zoom_app(env: VideoEnvironment) -> ZoomApp:
    if env.zoom is None:
        raise InvalidInput("provider", "Zoom is not configured on this server (ZOOM_CLIENT_ID).")
    return env.zoom


async def zoom_connected(host_id: int) -> bool:
    """Whether the host can have Zoom meetings now (event types' location "zoom")."""
    return await repository.connected(host_id)


async def list_accounts(host_id: int) -> list[VideoAccount]:
    row = await repository.of_host(host_id)
    return [] if row is None else [_to_account(row)]


async def connect_zoom(
    env: VideoEnvironment, host_id: int, code: str, verifier: str, now: datetime
) -> VideoAccount:
    """Finish the consent: redeem the code, ask Zoom who granted it, store both.

    Connecting again (a reconnect, or another Zoom user) replaces the grant and
    clears the status.
    """
    app = zoom_app(env)
    tokens = await asyncio.to_thread(app.exchange_code, code, env.zoom_redirect_uri, verifier)

    def who() -> tuple[ZoomUser, OAuthTokens]:
        # Fresh tokens do not refresh here; client.tokens covers it if they ever did.
        with ZoomClient(app, tokens, lambda _fresh: None) as client:
            return client.me(), client.tokens

    user, tokens = await asyncio.to_thread(who)
    await repository.save(
        host_id,
        {
            "provider": "zoom",
            "credentials": env.vault.encrypt(tokens.to_dict()),
            "external_user_id": user.id,
            "external_email": user.email,
            "display_name": user.display_name,
            "status": "ok",
            "status_message": "",
            "connected_at": now,
            "reconnect_notified_at": None,
        },
    )
    row = await repository.of_host(host_id)
    if row is None:  # deleted between the two statements: a concurrent disconnect
        raise NotFound("The Zoom account was disconnected meanwhile.")
    return _to_account(row)


async def disconnect(env: VideoEnvironment, host_id: int, account_id: int) -> bool:
    """Revoke the grant at Zoom and forget the account and its tokens; returns whether
    the grant was revoked. Meetings already made stay in Zoom.

    As for calendars, the grant stays when another host connected the same Zoom user
    (it is that user's one grant to our app), and when Zoom refuses or cannot be
    reached (logged): the account is forgotten either way, and the user can still
    remove the app in Zoom.
    """
    account = await repository.of_host(host_id)
    if account is None or account["id"] != account_id:
        raise NotFound("No such video account.")
    revoked = False
    if await repository.grant_shared(account):
        logger.info("video account %s: grant shared with another host, kept", account_id)
    else:
        try:
            client = zoom_client(env, account)
            with client:
                await asyncio.to_thread(client.revoke)
            revoked = True
        except (ZoomError, InvalidInput) as exc:
            logger.warning("video account %s: grant not revoked: %s", account_id, exc)
    if not await repository.delete(host_id, account_id):
        raise NotFound("No such video account.")
    return revoked


def zoom_client(env: VideoEnvironment, account: dict[str, Any]) -> ZoomClient:
    """A client for the account, to be used in a worker thread (``asyncio.to_thread``).

    Call on the event loop. Stored tokens that cannot be decrypted (the key changed)
    need a reconnect like a revoked grant. Refreshes go through
    :func:`_refresh_shared`, so clients in other jobs and processes never spend the
    same refresh token twice.
    """
    loop = asyncio.get_running_loop()
    app = zoom_app(env)
    tokens = _decrypted(env, account["credentials"])

    def refresher(stale: OAuthTokens) -> OAuthTokens:
        # Runs in the client's worker thread: hop onto the loop and wait.
        shared = _refresh_shared(env, app, account["id"], stale)
        return asyncio.run_coroutine_threadsafe(shared, loop).result(timeout=_SAVE_TIMEOUT)

    return ZoomClient(app, tokens, lambda _fresh: None, refresher=refresher)


def _decrypted(env: VideoEnvironment, ciphertext: str) -> OAuthTokens:
    try:
        return OAuthTokens.from_dict(env.vault.decrypt(ciphertext))
    except VaultError as exc:
        raise ZoomAuthError(f"the stored Zoom tokens cannot be read: {exc}") from exc


async def _refresh_shared(
    env: VideoEnvironment, app: ZoomApp, account_id: int, stale: OAuthTokens
) -> OAuthTokens:
    """Fresh tokens for the account, refreshed at most once however many ask.

    Zoom spends a refresh token on first use, so concurrent refreshes (two jobs, two
    processes) must be one: under the account row's write lock, a caller whose stale
    pair is no longer the stored one takes the stored pair, which another caller
    refreshed meanwhile; otherwise it refreshes and stores the new pair before the
    lock is released. On SQLite the lock holds off other writers for the length of one
    token request, about once an hour per account.
    """
    async with repository.credentials_lock(account_id):
        ciphertext = await repository.credentials_of(account_id)
        if ciphertext is None:
            raise ZoomAuthError("the Zoom account was disconnected meanwhile")
        current = _decrypted(env, ciphertext)
        if current.refresh_token != stale.refresh_token:
            return current
        fresh = await asyncio.to_thread(app.refresh, stale)
        await repository.save_credentials(account_id, env.vault.encrypt(fresh.to_dict()))
        return fresh


async def reconnect_needed(
    env: VideoEnvironment, account: dict[str, Any], reason: str, now: datetime
) -> None:
    """Flag the account "reconnect needed" and e-mail the host (once per grant)."""
    message = f"{reason} Reconnect Zoom on the video conferencing tab."
    async with repository.transaction():
        if await repository.mark_reconnect_needed(account["id"], message, now):
            await queue_reconnect_email(
                account,
                mail_from=env.bookings.mail_from,
                tab_url=env.public_url.rstrip("/") + VIDEO_TAB_PATH,
            )
