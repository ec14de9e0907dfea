"""All queries on connected accounts and the identities hosts connected."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import msgspec

from booking.db import row_write_lock, unique_as
from integrations.accounts.records import Account
from integrations.accounts.tables import AccountIdentity, ConnectedAccount


def _select() -> Any:
    return ConnectedAccount.select(
        *ConnectedAccount.all_columns(),
        ConnectedAccount.host.name.as_alias("host_name"),
        ConnectedAccount.host.email.as_alias("host_email"),
        ConnectedAccount.host.time_zone.as_alias("host_time_zone"),
    )


def _records(rows: list[dict[str, Any]]) -> list[Account]:
    return msgspec.convert(rows, list[Account], from_attributes=False)


async def of_host(host_id: int, purpose: str | None = None) -> list[Account]:
    where: Any = ConnectedAccount.host == host_id
    if purpose is not None:
        where &= ConnectedAccount.purpose == purpose
    return _records(await _select().where(where).order_by(ConnectedAccount.id))


async def get(account_id: int) -> Account | None:
    rows = await _select().where(ConnectedAccount.id == account_id)
    return _records(rows)[0] if rows else None


async def many(account_ids: Sequence[int]) -> dict[int, Account]:
    """The accounts of ``account_ids`` that exist, by id, in one query."""
    if not account_ids:
        return {}
    rows = await _select().where(ConnectedAccount.id.is_in(list(account_ids)))
    return {account.id: account for account in _records(rows)}


async def find(host_id: int, provider: str, purpose: str, external_id: str) -> Account | None:
    rows = await _select().where(
        (ConnectedAccount.host == host_id)
        & (ConnectedAccount.provider == provider)
        & (ConnectedAccount.purpose == purpose)
        & (ConnectedAccount.external_id == external_id)
    )
    return _records(rows)[0] if rows else None


async def usable(host_id: int, purpose: str) -> bool:
    return await ConnectedAccount.exists().where(
        (ConnectedAccount.host == host_id)
        & (ConnectedAccount.purpose == purpose)
        & (ConnectedAccount.status == "ok")
    )


async def needing_reconnect(host_id: int) -> list[Account]:
    return _records(
        await _select()
        .where((ConnectedAccount.host == host_id) & (ConnectedAccount.status == "reconnect_needed"))
        .order_by(ConnectedAccount.id)
    )


async def insert(values: dict[str, Any]) -> int:
    with unique_as({"connected_account": ("provider", "This account is already connected.")}):
        created = await ConnectedAccount.insert(ConnectedAccount(**values)).returning(
            ConnectedAccount.id
        )
    return int(created[0]["id"])


async def update(account_id: int, values: dict[str, Any]) -> None:
    await ConnectedAccount.update(**values).where(ConnectedAccount.id == account_id)


async def first_connected(host_id: int, provider: str, external_id: str, now: datetime) -> datetime:
    """When the host first connected this identity; ``now`` if never before (and
    remembered from now on). Call inside a write transaction."""
    await AccountIdentity.insert(
        AccountIdentity(
            host=host_id, provider=provider, external_id=external_id, first_connected_at=now
        )
    ).on_conflict(
        target=(AccountIdentity.host, AccountIdentity.provider, AccountIdentity.external_id),
        action="DO NOTHING",
    )
    row = (
        await AccountIdentity.select(AccountIdentity.first_connected_at)
        .where(
            (AccountIdentity.host == host_id)
            & (AccountIdentity.provider == provider)
            & (AccountIdentity.external_id == external_id)
        )
        .first()
    )
    # Inserted above, or before: the row is there.
    first: datetime = row["first_connected_at"]  # type: ignore[index]
    return first


def credentials_lock(account_id: int) -> AbstractAsyncContextManager[None]:
    """A transaction that holds off every other refresh of the account's credentials,
    in every process: ``FOR UPDATE`` on PostgreSQL, the write lock on SQLite."""
    return row_write_lock(ConnectedAccount, account_id)


async def credentials_of(account_id: int) -> str | None:
    row = (
        await ConnectedAccount.select(ConnectedAccount.credentials)
        .where(ConnectedAccount.id == account_id)
        .first()
    )
    return None if row is None else str(row["credentials"])


async def mark_reconnect_needed(account_id: int, message: str, now: datetime) -> bool:
    """Flag the account; True only for the caller that flagged it first (who e-mails)."""
    await ConnectedAccount.update(
        {ConnectedAccount.status: "reconnect_needed", ConnectedAccount.status_message: message}
    ).where(ConnectedAccount.id == account_id)
    # Compare-and-set: two processes hitting the same dead grant must not both e-mail.
    rows = (
        await ConnectedAccount.update({ConnectedAccount.reconnect_notified_at: now})
        .where(
            (ConnectedAccount.id == account_id) & ConnectedAccount.reconnect_notified_at.is_null()
        )
        .returning(ConnectedAccount.id)
    )
    return bool(rows)


async def grant_shared(account: Account) -> bool:
    """Whether another host connected the same identity: a grant belongs to the
    provider's user and our OAuth client, not to a host."""
    return bool(
        await ConnectedAccount.exists().where(
            (ConnectedAccount.provider == account.provider)
            & (ConnectedAccount.external_id == account.external_id)
            & (ConnectedAccount.id != account.id)
        )
    )


async def delete(account_id: int) -> bool:
    rows = (
        await ConnectedAccount.delete()
        .where(ConnectedAccount.id == account_id)
        .returning(ConnectedAccount.id)
    )
    return bool(rows)
