"""All queries on video accounts."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from booking.db import row_write_lock, write_transaction
from integrations.video.tables import VideoAccount

# What a (re)connect replaces: a reconnect starts a new grant with a clean status.
_CONNECT_COLUMNS = (
    VideoAccount.provider,
    VideoAccount.credentials,
    VideoAccount.external_user_id,
    VideoAccount.external_email,
    VideoAccount.display_name,
    VideoAccount.status,
    VideoAccount.status_message,
    VideoAccount.connected_at,
    VideoAccount.reconnect_notified_at,
)


def transaction() -> AbstractAsyncContextManager[None]:
    return write_transaction()


def _select() -> Any:
    return VideoAccount.select(
        *VideoAccount.all_columns(),
        VideoAccount.host.name.as_alias("host_name"),
        VideoAccount.host.email.as_alias("host_email"),
    )


async def of_host(host_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await _select().where(VideoAccount.host == host_id).first()
    return row


async def connected(host_id: int) -> bool:
    return await VideoAccount.exists().where(
        (VideoAccount.host == host_id) & (VideoAccount.status == "ok")
    )


async def save(host_id: int, values: dict[str, Any]) -> None:
    """Insert the host's account, or replace the one there (one per host)."""
    await VideoAccount.insert(VideoAccount(host=host_id, **values)).on_conflict(
        target=VideoAccount.host, action="DO UPDATE", values=list(_CONNECT_COLUMNS)
    )


def credentials_lock(account_id: int) -> AbstractAsyncContextManager[None]:
    """A transaction that holds off every other refresh of the account's tokens."""
    return row_write_lock(VideoAccount, account_id)


async def credentials_of(account_id: int) -> str | None:
    row = (
        await VideoAccount.select(VideoAccount.credentials)
        .where(VideoAccount.id == account_id)
        .first()
    )
    return None if row is None else str(row["credentials"])


async def save_credentials(account_id: int, ciphertext: str) -> None:
    await VideoAccount.update({VideoAccount.credentials: ciphertext}).where(
        VideoAccount.id == account_id
    )


async def mark_reconnect_needed(account_id: int, message: str, now: datetime) -> bool:
    """Flag the account; True only for the caller that flagged it first (who e-mails)."""
    await VideoAccount.update(
        {VideoAccount.status: "reconnect_needed", VideoAccount.status_message: message}
    ).where(VideoAccount.id == account_id)
    # Compare-and-set: two jobs hitting the same dead grant must not both e-mail.
    rows = (
        await VideoAccount.update({VideoAccount.reconnect_notified_at: now})
        .where((VideoAccount.id == account_id) & VideoAccount.reconnect_notified_at.is_null())
        .returning(VideoAccount.id)
    )
    return bool(rows)


async def grant_shared(account: dict[str, Any]) -> bool:
    """Whether another host connected the same Zoom user: one user's grant to our app."""
    return bool(
        await VideoAccount.exists().where(
            (VideoAccount.provider == account["provider"])
            & (VideoAccount.external_user_id == account["external_user_id"])
            & (VideoAccount.id != account["id"])
        )
    )


async def delete(host_id: int, account_id: int) -> bool:
    rows = (
        await VideoAccount.delete()
        .where((VideoAccount.host == host_id) & (VideoAccount.id == account_id))
        .returning(VideoAccount.id)
    )
    return bool(rows)
