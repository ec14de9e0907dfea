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
    # pending -> running -> done / logged / failed; running -> pending on a retry.
    status = Varchar(length=16, null=False, default="pending", index=True)
    # Counted when a job is claimed, not when it ends: an attempt whose process died
    # still counts, so a job that kills its process every time cannot loop for ever.
    attempts = Integer(null=False, default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Text(null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    done_at = Timestamptz(null=True, default=None)
    # The lease of a running job: the worker that holds it, and until when. The holder
    # renews it while it works; once it has run out (the holder died or stalled) any
    # worker may take the job over. A running job without one was claimed by a
    # version that had no leases, and is free to take.
    claimed_by = Varchar(length=120, null=False, default="")
    lease_until = Timestamptz(null=True, default=None)
