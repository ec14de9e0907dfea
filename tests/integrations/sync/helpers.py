"""Builders shared by the planner tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from integrations.sync.items import EventFields
from integrations.sync.policy import Policy

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
