from __future__ import annotations

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxJob(Table):
    id = Serial(primary_key=True)
    kind = Varchar(length=32, null=False, index=True)  # "email", "zoom.create", ...
    # Unique when set: enqueueing the same work twice (a retried request) is a no-op.
    dedupe_key = Varchar(length=200, null=True, default=None, unique=True)
    payload = JSON(default="{}", null=False)
    status = Varchar(length=16, null=False, default="pending", index=True)
    attempts = Integer(null=False, default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Text(null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)
