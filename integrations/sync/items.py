"""The two sides of a linked pair as the planner sees them, and their content hashes.

Both sides carry the same ``EventFields``: the fields that sync. What only one side has
(the activity's type, owner and completed flag; the event's organiser, series and our
tag) sits beside them, so a hash of ``EventFields`` compares like with like.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from typing import Literal

import msgspec

__all__ = [
    "FIELD_NAMES",
    "ActivityItem",
    "CalendarItem",
    "EventFields",
    "Guest",
    "OurTag",
    "ShowAs",
    "content_hash",
    "field_hashes",
]

ShowAs = Literal["busy", "free", "tentative"]


class Guest(msgspec.Struct, frozen=True, kw_only=True, order=True):
    email: str
    response: str = "needsAction"


class EventFields(msgspec.Struct, frozen=True, kw_only=True):
    """What flows between an activity and its event."""

    title: str
    start: datetime
    end: datetime
    all_day: bool = False
    location: str = ""
    description: str = ""
    guests: tuple[Guest, ...] = ()
    show_as: ShowAs = "busy"
    private: bool = False


FIELD_NAMES: tuple[str, ...] = EventFields.__struct_fields__


class ActivityItem(msgspec.Struct, frozen=True, kw_only=True):
    """An activity on the CRM side."""

    id: int
    owner_id: int
    type_id: int
    fields: EventFields
    completed: bool = False
    #: Linked to a contact or a booking (the "only linked activities" push filter).
    linked_to_record: bool = False
    #: In the trash: restorable, and to the planner as good as absent.
    trashed: bool = False


class OurTag(msgspec.Struct, frozen=True, kw_only=True):
    """The private mark our writes carry (a Google private extended property, an X- property)."""

    owner_id: int
    activity_id: int


class CalendarItem(msgspec.Struct, frozen=True, kw_only=True):
    """An event (or one occurrence of a series) on the linked calendar."""

    remote_id: str
    etag: str | None
    fields: EventFields
    host_is_organiser: bool = True
    #: Who organises it when the host does not (an address or a name), for the CRM's
    #: "organised by ... in your calendar" note; "" when unknown.
    organiser: str = ""
    #: Any write to it e-mails its attendees (a Graph meeting with real attendees: Graph
    #: has no "send no updates"); the adapter refuses such writes (WriteRefused).
    notifies_guests: bool = False
    series_id: str | None = None
    original_start: datetime | None = None
    tag: OurTag | None = None


def _canonical(name: str, value: object) -> object:
    # Two zones naming the same instant, or guests listed in another order or case,
    # are no change: a provider that rewrites them must not start a sync loop.
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if name == "guests" and isinstance(value, tuple):
        return sorted((g.email.casefold(), g.response) for g in value)
    return value


def _digest(value: object) -> str:
    return hashlib.sha256(msgspec.json.encode(value)).hexdigest()


@functools.lru_cache(maxsize=1 << 14)
def _hashes(fields: EventFields) -> tuple[str, ...]:
    # Cached by value: a run hashes each side's fields several times (the planner's
    # change test, its merge, the status row), and every run hashes every activity and
    # event in the window again, each time as a new but equal struct. Equal fields
    # hash alike: datetimes compare as instants, which _canonical writes in UTC.
    return tuple(_digest(_canonical(name, getattr(fields, name))) for name in FIELD_NAMES)


def field_hashes(fields: EventFields) -> dict[str, str]:
    """One hash per synced field: the unit of the three-way merge."""
    return dict(zip(FIELD_NAMES, _hashes(fields), strict=True))


def content_hash(fields: EventFields) -> str:
    """The hash of one side's whole content, the cheap "did anything change" test."""
    return _digest(sorted(field_hashes(fields).items()))
