"""API shapes of a host."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["Europe/Berlin"])]


class Host(msgspec.Struct, kw_only=True):
    id: int
    email: str
    name: str
    slug: str
    time_zone: str
    created_at: datetime


class SignedIn(msgspec.Struct, frozen=True):
    """A host whose password was checked, and the stamp of that password."""

    host: Host
    stamp: str


class HostCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    slug: Slug
    time_zone: TimeZone = "UTC"
    name: Name = ""
    password: (
        Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)] | None
    ) = None


class HostUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """PATCH body: only the fields present are changed."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZone | msgspec.UnsetType = msgspec.UNSET


TokenName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["CRM import"])]


class ApiToken(msgspec.Struct, kw_only=True):
    """An API token as its host sees it: never the secret, nor its digest."""

    id: int
    name: str
    created_at: datetime
    #: To the minute: recorded at most once a minute per token.
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: TokenName
    #: A future instant with a UTC offset; absent or null: the token never expires.
    expires_at: datetime | None = None


class ApiTokenCreated(ApiToken, kw_only=True):
    #: The secret, shown this once: only its SHA-256 digest is stored.
    token: str
