"""API shapes of activities and activity types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.ids import Id

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Guests = Annotated[list[Annotated[str, msgspec.Meta(max_length=320)]], msgspec.Meta(max_length=50)]


class ActivityType(msgspec.Struct, kw_only=True):
    id: int
    name: str
    colour: str


TypeName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
#: ``#rrggbb``; stored lower-case.
Colour = Annotated[str, msgspec.Meta(pattern="^#[0-9a-fA-F]{6}$")]


class ActivityTypeCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: TypeName
    colour: Colour = "#4f46e5"


class ActivityTypeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: TypeName | msgspec.UnsetType = msgspec.UNSET
    colour: Colour | msgspec.UnsetType = msgspec.UNSET


class Activity(msgspec.Struct, kw_only=True):
    id: int
    owner_id: int
    activity_type: ActivityType
    title: str
    description: str
    start: datetime
    end: datetime
    all_day: bool
    completed: bool
    guests: list[str]  # e-mail addresses of the guest contacts
    #: True while a guest's address matches several contacts and the host has not
    #: chosen one (never guessed); those addresses are in ambiguous_guests.
    needs_attention: bool
    ambiguous_guests: list[str]
    created_at: datetime
    updated_at: datetime


class ActivityCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title
    start: datetime
    end: datetime
    activity_type_id: Id | None = None  # None: Meeting
    description: Description = ""
    all_day: bool = False
    guests: Guests = msgspec.field(default_factory=list)


class ActivityUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    start: datetime | msgspec.UnsetType = msgspec.UNSET
    end: datetime | msgspec.UnsetType = msgspec.UNSET
    activity_type_id: Id | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    all_day: bool | msgspec.UnsetType = msgspec.UNSET
    completed: bool | msgspec.UnsetType = msgspec.UNSET
    guests: Guests | msgspec.UnsetType = msgspec.UNSET


class GuestResolution(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which contact an ambiguous guest address is."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    contact_id: Id
