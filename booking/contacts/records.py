"""Typed records of contacts, as the repository returns them."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["ContactRecord"]


class ContactRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``contact``; ``owner_id`` is the ``owner`` column (a host id)."""

    id: int
    email: str
    email_key: str
    name: str
    owner_id: int | None = msgspec.field(name="owner")
    created_at: datetime
