"""Typed records of activities and activity types, as the repository returns them."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["ActivityRecord", "ActivityTypeRecord", "BusyActivity"]


class ActivityTypeRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``activity_type``."""

    id: int
    name: str
    colour: str


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


class BusyActivity(msgspec.Struct, kw_only=True, frozen=True):
    """An activity that blocks its owner's time (see rules.blocks_time)."""

    id: int
    start_at: datetime
    end_at: datetime
