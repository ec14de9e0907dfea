"""Rules for connected accounts, whatever their provider or purpose: connecting
(and reconnecting) an identity, the status and the reconnect flow, forgetting an
account. No HTTP here; the calendar and video services add what their purpose
needs (calendars, the Zoom user) around these."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from booking.db import write_transaction
from integrations.accounts import repository
from integrations.accounts.environment import AccountsEnvironment
from integrations.accounts.errors import ProviderError
from integrations.accounts.reconnect import queue_reconnect_email
from integrations.accounts.records import Account, Identity
from integrations.vault import VaultError

__all__ = [
    "connect",
    "forget",
    "needing_reconnect",
    "reconnect_needed",
    "record_error",
    "record_success",
]


def _logger(account: Account) -> logging.Logger:
    # Named by purpose, where operators (and their log filters) have found them.
    return logging.getLogger(
        "rendezvous.video" if account.purpose == "video" else "rendezvous.calendars"
    )


async def connect(
    host_id: int,
    provider: str,
    purpose: str,
    identity: Identity,
    *,
    credentials: str,
    scopes: str,
    now: datetime,
    one_per_host: bool = False,
) -> int:
    """Store a new grant for the identity; returns the account's id.

    Connecting an identity the host has connected before updates its row (a
    reconnect, or more scopes): the status, and with it the banner, is cleared, the
    grant restarts, and everything stored under the account (calendars, choices)
    stays. ``connected_at`` is the first time the host ever connected the identity,
    also across a disconnect. ``one_per_host``: the host's account of this purpose
    is replaced by the new identity (Zoom: meetings are made for one user). Runs in
    the caller's transaction when there is one.
    """
    async with write_transaction():
        first = await repository.first_connected(host_id, provider, identity.external_id, now)
        values = {
            "external_email": identity.external_email,
            "display_name": identity.display_name,
            "credentials": credentials,
            "scopes": scopes,
            "status": "ok",
            "status_message": "",
            "connected_at": first,
            "authorized_at": now,
            "reconnect_notified_at": None,
        }
        existing = await repository.find(host_id, provider, purpose, identity.external_id)
        if existing is None and one_per_host:
            existing = next(iter(await repository.of_host(host_id, purpose)), None)
        if existing is None:
            return await repository.insert(
                {
                    **values,
                    "host": host_id,
                    "provider": provider,
                    "purpose": purpose,
                    "external_id": identity.external_id,
                }
            )
        await repository.update(
            existing.id, {**values, "provider": provider, "external_id": identity.external_id}
        )
        return existing.id


async def needing_reconnect(host_id: int) -> list[Account]:
    """The host's accounts that need reconnecting: the banner on their pages."""
    return await repository.needing_reconnect(host_id)


async def reconnect_needed(
    account: Account, message: str, now: datetime, env: AccountsEnvironment
) -> bool:
    """Flag the account "reconnect needed" and queue the host's e-mail, once per
    grant; True for the caller that flagged it (who may kick the outbox)."""
    async with write_transaction():
        first = await repository.mark_reconnect_needed(account.id, message, now)
        if first:
            await queue_reconnect_email(account, mail_from=env.mail_from, public_url=env.public_url)
    return first


async def record_success(account: Account, now: datetime) -> None:
    """The account just worked: note when, and clear an ``error`` status (a
    reconnect-needed one only a new consent clears)."""
    values: dict[str, object] = {"last_used_at": now}
    if account.status == "error":
        values.update(status="ok", status_message="")
    await repository.update(account.id, values)


async def record_error(account: Account, message: str) -> None:
    """Not a passing outage: the account as a whole needs the host's eyes (a deleted
    calendar, a missing permission, a lost vault key)."""
    await repository.update(account.id, {"status": "error", "status_message": message[:2000]})


async def forget(account: Account, revoke: Callable[[], None]) -> bool:
    """Revoke the account's grant (``revoke`` blocks: it runs in a thread) and delete
    the account with everything stored under it; returns whether it was revoked.

    The account is forgotten whatever the provider says. The grant is kept when
    another host connected the same identity: it belongs to the provider's user and
    our OAuth client, not to a host, so revoking it would cut that host off too. When
    the provider refuses or cannot be reached it stays as well (logged); the user
    can still remove our app in their account's settings.
    """
    revoked = False
    if await repository.grant_shared(account):
        _logger(account).info(
            "%s account %s: grant shared with another host, kept", account.purpose, account.id
        )
    else:
        try:
            await asyncio.to_thread(revoke)
            revoked = True
        except (ProviderError, VaultError) as exc:
            _logger(account).warning(
                "%s account %s: grant not revoked: %s", account.purpose, account.id, exc
            )
    await repository.delete(account.id)
    return revoked
