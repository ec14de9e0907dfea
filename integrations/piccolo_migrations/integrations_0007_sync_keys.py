"""The sync tables' keys: one status row per remote event and per activity of a
calendar, one mirror row per remote event, and the run log by host, newest first."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-12-01T09:00:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys of sync_link and sync_mirror, sync_run index"

FORWARDS = [
    "CREATE UNIQUE INDEX sync_link_remote ON sync_link (calendar, remote_id)",
    "CREATE UNIQUE INDEX sync_link_activity ON sync_link (calendar, activity_id)",
    "CREATE UNIQUE INDEX sync_mirror_remote ON sync_mirror (calendar, remote_id)",
    "CREATE INDEX sync_run_host_started ON sync_run (host, started_at)",
]
BACKWARDS = [
    "DROP INDEX sync_run_host_started",
    "DROP INDEX sync_mirror_remote",
    "DROP INDEX sync_link_activity",
    "DROP INDEX sync_link_remote",
]


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="integrations",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
