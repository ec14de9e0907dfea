"""The sync engine's tables: sync_settings, sync_link (status rows), sync_mirror (the
linked calendar as last listed) and sync_run (the run log). Their unique keys follow
in 0007 (piccolo runs a migration's raw steps before it creates its tables).

The tables are declared here as they were at this migration, not imported: a later
change to integrations/sync/tables.py must not change what this migration does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
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

ID = "2026-12-01T09:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync_settings, sync_link, sync_mirror, sync_run"


class Host(Table, tablename="host"):
    id = Serial(primary_key=True)


class ConnectedAccount(Table, tablename="connected_account"):
    id = Serial(primary_key=True)


class Calendar(Table, tablename="calendar"):
    id = Serial(primary_key=True)


class SyncSettings(Table, tablename="sync_settings"):
    id = Serial(primary_key=True)
    account = ForeignKey(
        references=ConnectedAccount, null=False, unique=True, on_delete=OnDelete.cascade
    )
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    calendar = ForeignKey(references=Calendar, null=True, on_delete=OnDelete.set_null)
    mode = Varchar(length=8, null=False, default="off")
    meeting_type = Integer(null=True, default=None)
    appointment_type = Integer(null=True, default=None)
    push_types = JSON(null=True, default=None)
    only_linked = Boolean(null=False, default=False)
    days_back = Integer(null=False, default=30)
    days_ahead = Integer(null=False, default=365)
    earliest = Timestamptz(null=True, default=None)
    barred = JSON(null=False, default="[]")
    guests = Varchar(length=8, null=False, default="create")
    keep_calendar_body = Boolean(null=False, default=False)
    winner = Varchar(length=8, null=False, default="calendar")
    auto = Boolean(null=False, default=True)
    every_minutes = Integer(null=False, default=15)
    active_from = Varchar(length=5, null=True, default=None)
    active_until = Varchar(length=5, null=True, default=None)
    notify = Varchar(length=8, null=False, default="failures")
    excluded_activities = JSON(null=False, default="[]")
    excluded_events = JSON(null=False, default="[]")
    refused = JSON(null=False, default="[]")
    listing_state = Text(null=True, default=None)
    listing_calendar = Integer(null=True, default=None)
    attention_notified_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class SyncLink(Table, tablename="sync_link"):
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
    id = Serial(primary_key=True)
    calendar = ForeignKey(references=Calendar, null=False, on_delete=OnDelete.cascade)
    remote_id = Varchar(length=1024, null=False)
    start_at = Timestamptz(null=False)
    item = Text(null=False)


class SyncRun(Table, tablename="sync_run"):
    id = Serial(primary_key=True)
    account = ForeignKey(references=ConnectedAccount, null=False, on_delete=OnDelete.cascade)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    trigger = Varchar(length=12, null=False)
    mode = Varchar(length=8, null=False)
    dry_run = Boolean(null=False, default=False)
    status = Varchar(length=10, null=False, default="running")
    started_at = Timestamptz(null=False)
    finished_at = Timestamptz(null=True, default=None)
    counts = JSON(null=False, default="{}")
    skipped = Integer(null=False, default=0)
    plan = JSON(null=False, default="[]")
    conflicts = JSON(null=False, default="[]")
    errors = JSON(null=False, default="[]")
    stop_reason = Varchar(length=24, null=False, default="")
    progress_done = Integer(null=False, default=0)
    progress_total = Integer(null=False, default=0)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    for table in (SyncSettings, SyncLink, SyncMirror, SyncRun):
        manager.add_table(class_name=table.__name__, tablename=table._meta.tablename)
        for column in table._meta.columns:
            manager.add_column(
                table_class_name=table.__name__,
                tablename=table._meta.tablename,
                column_name=column._meta.name,
                db_column_name=column._meta.db_column_name,
                column_class_name=type(column).__name__,
                column_class=type(column),
                params=column._meta.params,
            )
    return manager
