from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.activities.tables import ActivityType
from booking.hosts.tables import Host
from booking.schedules.tables import Schedule


class EventType(Table):
    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    # null: the host's default schedule.
    schedule = ForeignKey(references=Schedule, null=True, on_delete=OnDelete.set_null)
    activity_type = ForeignKey(references=ActivityType, null=False, on_delete=OnDelete.restrict)
    title = Varchar(length=200, null=False)
    slug = Varchar(length=64, null=False)  # unique per host: see migration 0003
    description = Text(null=False, default="")
    duration_minutes = Integer(null=False)
    step_minutes = Integer(null=True, default=None)  # null: the duration
    buffer_before_minutes = Integer(null=False, default=0)
    buffer_after_minutes = Integer(null=False, default=0)
    minimum_notice_minutes = Integer(null=False, default=0)
    horizon_days = Integer(null=True, default=60)
    horizon_start = Date(null=True, default=None)
    horizon_end = Date(null=True, default=None)
    max_per_day = Integer(null=True, default=None)
    max_per_week = Integer(null=True, default=None)
    location_kind = Varchar(length=16, null=False, default="none")
    location_value = Varchar(length=500, null=False, default="")
    hidden = Boolean(default=False, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
