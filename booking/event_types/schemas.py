"""API shapes of an event type: what invitees can book, and under which rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from booking.ids import Id

LocationKind = Literal["none", "in_person", "phone", "zoom"]

DEFAULT_HORIZON_DAYS = 60

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Intro call"])]
Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["intro-call"])]
Description = Annotated[str, msgspec.Meta(max_length=5_000)]
Duration = Annotated[int, msgspec.Meta(ge=5, le=720, description="Minutes.")]
Buffer = Annotated[int, msgspec.Meta(ge=0, le=720, description="Minutes.")]
Notice = Annotated[int, msgspec.Meta(ge=0, le=60 * 24 * 365, description="Minutes.")]
HorizonDays = Annotated[int, msgspec.Meta(ge=1, le=730)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=1_000)]
LocationValue = Annotated[
    str, msgspec.Meta(max_length=500, description="Address (in_person) or phone number (phone).")
]


class EventType(msgspec.Struct, kw_only=True):
    id: int
    title: str
    slug: str
    description: str
    duration_minutes: int
    #: null: the duration.
    step_minutes: int | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    #: null when a fixed range (horizon_start..horizon_end) is used.
    horizon_days: int | None
    horizon_start: date | None
    horizon_end: date | None
    #: null: unlimited.
    max_per_day: int | None
    max_per_week: int | None
    location_kind: LocationKind
    location_value: str
    #: null: the host's default schedule.
    schedule_id: int | None
    activity_type_id: int
    hidden: bool
    #: Path of the public booking page, relative to the site's public URL.
    booking_url: str


class EventTypeCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title
    #: Derived from the title when absent.
    slug: Slug | None = None
    description: Description = ""
    duration_minutes: Duration
    step_minutes: Duration | None = None
    buffer_before_minutes: Buffer = 0
    buffer_after_minutes: Buffer = 0
    minimum_notice_minutes: Notice = 0
    #: Default: 60 days, or null when horizon_start and horizon_end are given.
    horizon_days: HorizonDays | msgspec.UnsetType | None = msgspec.UNSET
    horizon_start: date | None = None
    horizon_end: date | None = None
    max_per_day: Limit | None = None
    max_per_week: Limit | None = None
    location_kind: LocationKind = "none"
    location_value: LocationValue = ""
    schedule_id: Id | None = None
    #: Default: the "Meeting" activity type.
    activity_type_id: Id | None = None
    hidden: bool = False


class EventTypeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """PATCH body: only the fields present are changed."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    duration_minutes: Duration | msgspec.UnsetType = msgspec.UNSET
    step_minutes: Duration | msgspec.UnsetType | None = msgspec.UNSET
    buffer_before_minutes: Buffer | msgspec.UnsetType = msgspec.UNSET
    buffer_after_minutes: Buffer | msgspec.UnsetType = msgspec.UNSET
    minimum_notice_minutes: Notice | msgspec.UnsetType = msgspec.UNSET
    horizon_days: HorizonDays | msgspec.UnsetType | None = msgspec.UNSET
    horizon_start: date | msgspec.UnsetType | None = msgspec.UNSET
    horizon_end: date | msgspec.UnsetType | None = msgspec.UNSET
    max_per_day: Limit | msgspec.UnsetType | None = msgspec.UNSET
    max_per_week: Limit | msgspec.UnsetType | None = msgspec.UNSET
    location_kind: LocationKind | msgspec.UnsetType = msgspec.UNSET
    location_value: LocationValue | msgspec.UnsetType = msgspec.UNSET
    schedule_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    activity_type_id: Id | msgspec.UnsetType = msgspec.UNSET
    hidden: bool | msgspec.UnsetType = msgspec.UNSET
