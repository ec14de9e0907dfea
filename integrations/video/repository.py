"""Queries for video accounts: a host's one connected account of purpose video
(the accounts themselves live in :mod:`integrations.accounts`)."""

from __future__ import annotations

from integrations.accounts import repository as accounts
from integrations.accounts.records import Account

PURPOSE = "video"


async def of_host(host_id: int) -> Account | None:
    return next(iter(await accounts.of_host(host_id, PURPOSE)), None)


async def connected(host_id: int) -> bool:
    return await accounts.usable(host_id, PURPOSE)
