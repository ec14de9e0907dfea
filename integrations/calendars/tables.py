from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from booking.event_types.tables import EventType
from integrations.accounts.tables import ConnectedAccount


class Calendar(Table):
    id = Serial(primary_key=True)
    account = ForeignKey(references=ConnectedAccount, null=False, on_delete=OnDelete.cascade)
    remote_id = Varchar(length=1024, null=False)  # unique per account: migration 0002
    name = Varchar(length=500, null=False, default="")
    primary = Boolean(null=False, default=False)
    is_conflict = Boolean(null=False, default=False)
    tentative_blocks = Boolean(null=False, default=True)
    colour = Varchar(length=16, null=False, default="")
    # The provider's saved sync state (Google's syncToken); null: next sync is full.
    sync_token = Text(null=True, default=None)
    full_sync_window_start = Timestamptz(null=True, default=None)
    full_sync_window_end = Timestamptz(null=True, default=None)
    # Bumped by every full sync; blocks the full sync did not see keep the old value
    # and are deleted in the same transaction.
    sync_generation = Integer(null=False, default=0)
    last_synced_at = Timestamptz(null=True, default=None)
    # Raised in the same transaction as every change to this calendar's busy blocks,
    # so readers can cache the blocks and know exactly when the cache is stale.
    blocks_version = Integer(null=False, default=0)
    last_error = Text(null=False, default="")


class BusyBlock(Table):
    """An external event of a conflict calendar: busy or free, as classified."""

    id = Serial(primary_key=True)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
    remote_id = Varchar(length=1024, null=False)  # unique per calendar: migration 0002
    ical_uid = Varchar(length=1024, null=True, default=None)
    etag = Varchar(length=200, null=True, default=None)
    start_at = Timestamptz(null=False)
    end_at = Timestamptz(null=False)
    all_day = Boolean(null=False, default=False)
    busy = Boolean(null=False, default=True)
    tentative = Boolean(null=False, default=False)
    private = Boolean(null=False, default=False)
    # Null for private and confidential events, whose details are never stored.
    title = Varchar(length=500, null=True, default=None)
    recurring_event_id = Varchar(length=1024, null=True, default=None)
    original_start = Varchar(length=40, null=True, default=None)
    sync_generation = Integer(null=False, default=0)


class PushChannel(Table):
    id = Serial(primary_key=True)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
    channel_id = Varchar(length=64, null=False, unique=True)
    resource_id = Varchar(length=200, null=False)
    # Compared in constant time with X-Goog-Channel-Token.
    token = Varchar(length=100, null=False)
    expires_at = Timestamptz(null=False)


class EventTypeCalendar(Table):
    """The calendars an event type checks; none: every conflict calendar of the host."""

    id = Serial(primary_key=True)
    event_type = ForeignKey(references=EventType, null=False, on_delete=OnDelete.cascade)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
