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
    #: The host who may change or delete it (every host may read it). Null only for a
    #: contact from before owners existed when the team had no host at all.
    owner_id: int | None
    created_at: datetime


class ContactCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    name: Name = ""
    #: Contacts may share an address (a shared inbox), but only when asked for:
    #: without this, an address some contact already has answers 409.
    allow_duplicate: bool = False


class ContactUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    allow_duplicate: bool = False  # as in ContactCreate
