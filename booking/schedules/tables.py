from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.hosts.tables import Host


class Schedule(Table):
    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=100, null=False, default="Working hours")
    time_zone = Varchar(length=64, null=False)
    is_default = Boolean(default=False, null=False)
    # {"monday": ["09:00-17:00"], ...}; JSON because it is always read and written whole.
    weekly = JSON(default="{}", null=False)
    # {"2026-12-24": ["09:00-12:00"], "2026-12-25": []}; [] = the date is blocked.
    overrides = JSON(default="{}", null=False)
    created_at = Timestamptz(default=TimestamptzNow())
