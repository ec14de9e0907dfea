"""API shapes of a contact."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Name = Annotated[str, msgspec.Meta(max_length=200)]


class Contact(msgspec.Struct, kw_only=True):
    id: int
    email: str
    name: str
    created_at: datetime


class ContactCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    name: Name = ""


class ContactUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
