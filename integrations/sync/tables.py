"""What the sync engine keeps: each account's sync settings, the status row of every
linked pair, our copy of the linked calendar as last listed, and the run log."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
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

from booking.hosts.tables import Host
from integrations.accounts.tables import ConnectedAccount
from integrations.calendars.tables import Calendar


class SyncSettings(Table, tablename="sync_settings"):
    """One connected account's sync with its linked calendar (one row per account;
    at most one account of a host has a mode other than off: service.py)."""

    id = Serial(primary_key=True)
    account = ForeignKey(
        references=ConnectedAccount, null=False, unique=True, on_delete=OnDelete.cascade
    )
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    # Null: the account's primary calendar.
    calendar = ForeignKey(references=Calendar, null=True, on_delete=OnDelete.set_null)
    mode = Varchar(length=8, null=False, default="off")  # off | one_way | two_way
    # Save external events as (null: the default type) ...with / without other guests.
    meeting_type = Integer(null=True, default=None)
    appointment_type = Integer(null=True, default=None)
    # Activity type ids pushed to the calendar; null: all.
    push_types = JSON(null=True, default=None)
    only_linked = Boolean(null=False, default=False)
    days_back = Integer(null=False, default=30)
    days_ahead = Integer(null=False, default=365)
    # Null: when the account was first connected.
    earliest = Timestamptz(null=True, default=None)
    # ["crm:create", "calendar:delete", ...]
    barred = JSON(null=False, default="[]")
    guests = Varchar(length=8, null=False, default="create")  # create | match
    keep_calendar_body = Boolean(null=False, default=False)
    winner = Varchar(length=8, null=False, default="calendar")  # calendar | crm
    auto = Boolean(null=False, default=True)
    every_minutes = Integer(null=False, default=15)
    # "HH:MM" in the host's zone; both null: any time of day.
    active_from = Varchar(length=5, null=True, default=None)
    active_until = Varchar(length=5, null=True, default=None)
    notify = Varchar(length=8, null=False, default="failures")  # failures | summary | none
    # Unticked in a reviewed plan: they stay out until the host includes them again.
    excluded_activities = JSON(null=False, default="[]")
    excluded_events = JSON(null=False, default="[]")
    # Remote ids whose write the provider refused for good (not retried every run).
    refused = JSON(null=False, default="[]")
    # The linked calendar adapter's listing state; null: the next listing is full.
    listing_state = Text(null=True, default=None)
    listing_calendar = Integer(null=True, default=None)
    # Set when the host was e-mailed that the sync needs attention; cleared by a good run.
    attention_notified_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class SyncLink(Table, tablename="sync_link"):
    """The status row of one linked pair (integrations.sync.status.StatusRow).

    ``activity_id`` is no foreign key on purpose: a deleted activity must leave its row
    behind, or the planner could not tell "deleted in the CRM" from "never linked".
    """

    id = Serial(primary_key=True)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
    activity_id = Integer(null=False)
    remote_id = Varchar(length=1024, null=False)
    remote_etag = Varchar(length=200, null=True, default=None)
    origin = Varchar(length=8, null=False)
    crm_fields = JSON(null=False, default="{}")
    remote_fields = JSON(null=False, default="{}")
    start_at = Timestamptz(null=False)
    trashed = Boolean(null=False, default=False)


class SyncMirror(Table, tablename="sync_mirror"):
    """The linked calendar's events as last listed (a msgspec-encoded CalendarItem):
    an incremental listing changes only what changed, and a quiet calendar costs one
    API call a run."""

    id = Serial(primary_key=True)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
    remote_id = Varchar(length=1024, null=False)
    start_at = Timestamptz(null=False)
    item = Text(null=False)


class SyncRun(Table, tablename="sync_run"):
    id = Serial(primary_key=True)
    account = ForeignKey(references=ConnectedAccount, null=False, on_delete=OnDelete.cascade)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    trigger = Varchar(length=12, null=False)  # manual | auto | push | cli | api
    mode = Varchar(length=8, null=False)
    dry_run = Boolean(null=False, default=False)
    # running | done | failed | stopped (a stop-and-ask) | skipped (sync is off)
    status = Varchar(length=10, null=False, default="running")
    started_at = Timestamptz(null=False)
    finished_at = Timestamptz(null=True, default=None)
    # {"crm": {"create": 1, ...}, "calendar": {...}}
    counts = JSON(null=False, default="{}")
    skipped = Integer(null=False, default=0)
    # A list of entries: the plan (dry runs), conflicts, errors (see records.py).
    plan = JSON(null=False, default="[]")
    conflicts = JSON(null=False, default="[]")
    errors = JSON(null=False, default="[]")
    stop_reason = Varchar(length=24, null=False, default="")
    progress_done = Integer(null=False, default=0)
    progress_total = Integer(null=False, default=0)


class SyncTransaction(Table, tablename="sync_transaction"):
    """Every create id a sync run has been about to send (Graph's ``transactionId``),
    recorded before the request, never removed (integrations/sync/transactions.py).

    Not per account or calendar: Graph holds a transactionId mailbox-wide, and an
    account connected again is the same mailbox.
    """

    transaction_id = Varchar(length=1024, primary_key=True)
