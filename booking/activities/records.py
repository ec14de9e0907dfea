"""Typed records of activities and activity types, as the repository returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

__all__ = [
    "ActivityRecord",
    "ActivityTypeRecord",
    "Attendee",
    "BusyActivity",
    "ShowAs",
    "SyncedActivity",
]

ShowAs = Literal["busy", "free", "tentative"]


class ActivityTypeRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``activity_type``."""

    id: int
    name: str
    colour: str


class Attendee(msgspec.Struct, kw_only=True, frozen=True):
    """A guest as the calendar knows them (a contact or not), with their response."""

    email: str
    #: needsAction, accepted, declined or tentative (Google's words; adapters map theirs).
    response: str = "needsAction"


class ActivityRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``activity`` with its type and its guests' e-mail addresses."""

    id: int
    owner_id: int = msgspec.field(name="owner")
    activity_type: ActivityTypeRecord
    title: str
    description: str
    start: datetime = msgspec.field(name="start_at")
    end: datetime = msgspec.field(name="end_at")
    all_day: bool
    completed: bool
    guests: list[str]
    needs_attention: bool
    ambiguous_guests: list[str]
    created_at: datetime
    updated_at: datetime
    location: str = ""
    show_as: ShowAs = "busy"
    private: bool = False
    #: Set while in the trash: invisible to the API, blocks nothing, restorable by sync.
    trashed_at: datetime | None = None
    series_id: str | None = None
    original_start: datetime | None = None
    #: The guests as the calendar knows them; ``guests`` are the ones who are contacts.
    attendees: list[Attendee] = msgspec.field(default_factory=list)
    #: Who organises the event when not the host: synced fields are read-only then.
    organiser: str = ""


class SyncedActivity(msgspec.Struct, kw_only=True, frozen=True):
    """What the calendar sync reads of an activity: its own columns only (its type's id,
    not the type; its attendees, not which of them are contacts)."""

    id: int
    owner_id: int = msgspec.field(name="owner")
    type_id: int = msgspec.field(name="activity_type")
    title: str
    description: str
    start: datetime = msgspec.field(name="start_at")
    end: datetime = msgspec.field(name="end_at")
    all_day: bool
    completed: bool
    location: str
    show_as: ShowAs
    private: bool
    trashed_at: datetime | None
    attendees: list[Attendee]


class BusyActivity(msgspec.Struct, kw_only=True, frozen=True):
    """An activity that blocks its owner's time (see rules.blocks_time)."""

    id: int
    start_at: datetime
    end_at: datetime
