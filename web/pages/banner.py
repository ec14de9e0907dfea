"""The banner on a host's pages while any connected account needs reconnecting."""

from __future__ import annotations

import msgspec

from integrations.accounts import service as accounts
from integrations.accounts.reconnect import PAGES

_NAMES = {"google": "Google Calendar", "microsoft": "Microsoft 365", "zoom": "Zoom"}


class ReconnectNotice(msgspec.Struct, frozen=True):
    #: "Google Calendar", "Zoom".
    provider: str
    email: str
    #: The page where the host reconnects it.
    page: str


async def reconnect_banner(host_id: int) -> list[ReconnectNotice]:
    """One line per account that needs reconnecting; empty once all are fine."""
    return [
        ReconnectNotice(
            _NAMES.get(a.provider, a.provider), a.external_email, PAGES.get(a.purpose, "/dashboard")
        )
        for a in await accounts.needing_reconnect(host_id)
    ]
