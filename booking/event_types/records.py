"""Typed records of event types, as the repository returns them."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

__all__ = ["BookableRecord", "EventTypeRecord", "HoursRecord", "PageHostRecord"]


class EventTypeRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``event_type`` with its host's slug (every answer carries the URL)."""

    id: int
    host: int
    schedule_id: int | None = msgspec.field(name="schedule")
    activity_type_id: int = msgspec.field(name="activity_type")
    title: str
    slug: str
    description: str
    duration_minutes: int
    step_minutes: int | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int | None
    horizon_start: date | None
    horizon_end: date | None
    max_per_day: int | None
    max_per_week: int | None
    location_kind: str
    location_value: str
    hidden: bool
    created_at: datetime
    host_slug: str

    @property
    def booking_url(self) -> str:
        """Path of the public booking page, relative to the site's public URL."""
        return f"/{self.host_slug}/{self.slug}"


class PageHostRecord(msgspec.Struct, kw_only=True, frozen=True):
    """The host behind a public booking page (no credentials)."""

    id: int
    email: str
    name: str
    slug: str
    time_zone: str
    created_at: datetime


class HoursRecord(msgspec.Struct, kw_only=True, frozen=True):
    """The working hours an event type is booked against, as stored."""

    time_zone: str
    weekly: dict[str, list[str]]
    overrides: dict[str, list[str]]


class BookableRecord(msgspec.Struct, kw_only=True, frozen=True):
    """An event type at ``/{host_slug}/{slug}``, its host, and its working hours (None
    if the host has no schedule yet)."""

    event_type: EventTypeRecord
    host: PageHostRecord
    hours: HoursRecord | None
