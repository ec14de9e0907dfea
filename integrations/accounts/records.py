"""Typed records of connected accounts, as the repository returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = ["Account", "Identity", "Provider", "Purpose", "Status"]

Provider = Literal["google", "microsoft", "caldav", "ics", "zoom"]
Purpose = Literal["calendar", "video"]
Status = Literal["ok", "reconnect_needed", "error"]


class Account(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``connected_account`` with its host's name, e-mail and zone."""

    id: int
    host: int
    provider: str
    purpose: str
    external_id: str
    external_email: str
    display_name: str
    #: Vault ciphertext; "" when the account holds nothing secret.
    credentials: str
    #: Space-separated, as the provider last granted them.
    scopes: str
    status: str
    status_message: str
    connected_at: datetime
    authorized_at: datetime | None
    reconnect_notified_at: datetime | None
    last_used_at: datetime | None
    host_name: str
    host_email: str
    host_time_zone: str

    def granted(self, scopes: tuple[str, ...]) -> bool:
        return set(scopes) <= set(self.scopes.split())


class Identity(msgspec.Struct, kw_only=True, frozen=True):
    """Who an account is at its provider, as the consent found out."""

    external_id: str
    external_email: str = ""
    display_name: str = ""
