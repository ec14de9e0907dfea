"""Builders shared by the sync tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from integrations.sync.items import CalendarItem, EventFields
from integrations.sync.policy import Policy
from integrations.sync.status import StatusRow

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOST = 7
MEETING = 11
APPOINTMENT = 12


def fields(day: int = 1, title: str = "Call", **changes: object) -> EventFields:
    """An hour on ``day`` days from NOW."""
    start = NOW + timedelta(days=day)
    base = EventFields(title=title, start=start, end=start + timedelta(hours=1))
    return msgspec.structs.replace(base, **changes)


def policy(**changes: object) -> Policy:
    base = Policy(
        host_id=HOST,
        mode="two_way",
        earliest=NOW - timedelta(days=400),
        meeting_type_id=MEETING,
        appointment_type_id=APPOINTMENT,
    )
    return msgspec.structs.replace(base, **changes)


def status_row(activity_id: int, remote_id: str, etag: str = "e") -> StatusRow:
    """A pair's status row, its fields named after its ids."""
    return StatusRow(
        activity_id=activity_id,
        remote_id=remote_id,
        remote_etag=etag,
        origin="crm",
        crm_fields={"title": f"c{activity_id}"},
        remote_fields={"title": remote_id},
        start=NOW + timedelta(hours=activity_id),
    )


def mirrored(remote_id: str, title: str) -> CalendarItem:
    """An event as the mirror holds it, its etag its title."""
    return CalendarItem(
        remote_id=remote_id,
        etag=title,
        fields=EventFields(title=title, start=NOW, end=NOW + timedelta(hours=1)),
    )
