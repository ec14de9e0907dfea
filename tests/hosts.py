"""Hosts for tests that run on real time (other processes cannot be frozen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, ScheduleUpdate


async def free_around_the_clock(slug: str, event_slug: str = "call") -> Host:
    """A host in UTC, bookable every minute of every day, with one 30-minute event type
    at ``/{slug}/{event_slug}`` that needs no notice."""
    host = await hosts.create(
        HostCreate(email=f"{slug}@example.com", slug=slug, time_zone="UTC", name=slug.title())
    )
    default = await schedules.get_default(host.id)
    await schedules.update(
        host.id, default.id, ScheduleUpdate(weekly={day: ["00:00-24:00"] for day in WEEKDAYS})
    )
    await event_types.create(
        host.id,
        EventTypeCreate(
            title=event_slug.title(), slug=event_slug, duration_minutes=30, minimum_notice_minutes=0
        ),
    )
    return host


def a_slot_ahead(hours: int = 3) -> datetime:
    """A start on the half-hour grid a few hours from now: still free when a slow
    machine gets to booking it."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
