"""Refreshing an account's OAuth tokens at most once, however many ask at once.

A refresh token may be spent only once where providers rotate them (Zoom), and two
refreshes at the same moment would make the provider answer the second with
``invalid_grant``, which reads as "reconnect needed". So every refresh of an account,
in any process, runs under the account row's write lock (``FOR UPDATE`` on
PostgreSQL, the write lock on SQLite), re-reads the stored pair inside it, and:

- takes the stored pair when another process refreshed since the caller read its
  own (a different access token that is not about to expire);
- otherwise refreshes through the provider's OAuth client and stores the new pair,
  encrypted, before the lock is released and before the caller sends anything.

On SQLite the lock holds off other writers for the length of one token request,
about once an hour per account.

Adapters run in worker threads (their HTTP clients block): :func:`thread_refresher`
gives them a plain callable that hops onto the event loop and waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from integrations.accounts import repository
from integrations.accounts.errors import AuthExpired
from integrations.accounts.tokens import OAuthTokens
from integrations.vault import TokenVault, VaultError

__all__ = ["MARGIN", "decrypt_tokens", "fresh_tokens", "thread_refresher"]

#: Refresh this long before the access token expires.
MARGIN = timedelta(minutes=5)
#: A refresh saved from a worker thread waits this long for the database.
_SAVE_TIMEOUT = 60.0


def decrypt_tokens(vault: TokenVault, ciphertext: str) -> OAuthTokens:
    """Stored tokens that cannot be decrypted (the key changed) need a new consent,
    like a revoked grant."""
    try:
        return OAuthTokens.from_dict(vault.decrypt(ciphertext))
    except VaultError as exc:
        raise AuthExpired(f"the stored tokens cannot be read: {exc}") from exc


async def fresh_tokens(
    vault: TokenVault,
    account_id: int,
    stale: OAuthTokens,
    refresh: Callable[[OAuthTokens], OAuthTokens],
    now: datetime,
) -> OAuthTokens:
    async with repository.credentials_lock(account_id):
        ciphertext = await repository.credentials_of(account_id)
        if ciphertext is None:
            raise AuthExpired("the account was disconnected meanwhile")
        current = decrypt_tokens(vault, ciphertext)
        if current.access_token != stale.access_token and not current.expires_within(MARGIN, now):
            return current
        fresh = await asyncio.to_thread(refresh, current)
        values: dict[str, object] = {"credentials": vault.encrypt(fresh.to_dict())}
        if fresh.scope:
            values["scopes"] = fresh.scope
        await repository.update(account_id, values)
        return fresh


def thread_refresher(
    vault: TokenVault,
    account_id: int,
    refresh: Callable[[OAuthTokens], OAuthTokens],
    now: Callable[[], datetime],
) -> Callable[[OAuthTokens], OAuthTokens]:
    """A refresher for an adapter running in a worker thread; call on the loop."""
    loop = asyncio.get_running_loop()

    def refresher(stale: OAuthTokens) -> OAuthTokens:
        shared = fresh_tokens(vault, account_id, stale, refresh, now())
        return asyncio.run_coroutine_threadsafe(shared, loop).result(timeout=_SAVE_TIMEOUT)

    return refresher
