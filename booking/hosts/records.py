"""Typed records of hosts and API tokens, as the repository returns them."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["HostRecord", "TokenRecord", "TokenUse"]


class HostRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``host``."""

    id: int
    email: str
    name: str
    slug: str
    time_zone: str
    #: None for a host who signs in by other means than a password.
    password_hash: str | None
    created_at: datetime


class TokenRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``api_token`` without its digest (nothing outside the lookup needs it)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenUse(msgspec.Struct, kw_only=True, frozen=True):
    """What authenticating a request reads: the token's state and its host."""

    token_id: int
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    host: HostRecord
