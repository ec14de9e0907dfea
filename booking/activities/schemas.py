"""API shapes of activities and activity types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from booking.ids import Id

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Location = Annotated[str, msgspec.Meta(max_length=1000)]
ShowAs = Literal["busy", "free", "tentative"]
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


class Attendee(msgspec.Struct, kw_only=True):
    """A guest as the calendar knows them, a contact or not."""

    email: str
    #: needsAction, accepted, declined or tentative.
    response: str


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
    location: str
    #: busy, free (blocks no time) or tentative.
    show_as: ShowAs
    private: bool
    #: Occurrences of one recurring calendar series share it; null otherwise.
    series_id: str | None
    #: Who organises the calendar event when it is not the host. Then title, times,
    #: location, description, guests, show_as and private can only be changed in the
    #: calendar (409 here); completing it or changing its type stays possible.
    organiser: str
    #: Every guest with their response, including those who are no contact.
    attendees: list[Attendee]


class ActivityCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title
    start: datetime
    end: datetime
    activity_type_id: Id | None = None  # None: Meeting
    description: Description = ""
    all_day: bool = False
    guests: Guests = msgspec.field(default_factory=list)
    location: Location = ""
    show_as: ShowAs = "busy"
    private: bool = False


class ActivityUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title | msgspec.UnsetType = msgspec.UNSET
    start: datetime | msgspec.UnsetType = msgspec.UNSET
    end: datetime | msgspec.UnsetType = msgspec.UNSET
    activity_type_id: Id | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    all_day: bool | msgspec.UnsetType = msgspec.UNSET
    completed: bool | msgspec.UnsetType = msgspec.UNSET
    guests: Guests | msgspec.UnsetType = msgspec.UNSET
    location: Location | msgspec.UnsetType = msgspec.UNSET
    show_as: ShowAs | msgspec.UnsetType = msgspec.UNSET
    private: bool | msgspec.UnsetType = msgspec.UNSET


class GuestResolution(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which contact an ambiguous guest address is."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
    contact_id: Id
