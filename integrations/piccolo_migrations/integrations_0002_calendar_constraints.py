"""Constraints piccolo cannot declare: composite unique indexes, and the index the
conflict source reads through."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-11-21T14:09:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per remote account, calendar and event; busy blocks by time"

FORWARDS = [
    "CREATE UNIQUE INDEX calendar_account_host_provider_email"
    " ON calendar_account (host, provider, external_email)",
    "CREATE UNIQUE INDEX calendar_account_remote ON calendar (account, remote_id)",
    # The upsert target of every sync: a repeated batch updates, never duplicates.
    "CREATE UNIQUE INDEX busy_block_calendar_remote ON busy_block (calendar, remote_id)",
    "CREATE INDEX busy_block_calendar_start ON busy_block (calendar, start_at)",
    "CREATE UNIQUE INDEX event_type_calendar_pair ON event_type_calendar (event_type, calendar)",
]
BACKWARDS = [
    "DROP INDEX event_type_calendar_pair",
    "DROP INDEX busy_block_calendar_start",
    "DROP INDEX busy_block_calendar_remote",
    "DROP INDEX calendar_account_remote",
    "DROP INDEX calendar_account_host_provider_email",
]


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="integrations",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
