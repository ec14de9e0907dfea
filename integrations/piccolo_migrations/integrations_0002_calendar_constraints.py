"""Constraints piccolo cannot declare: composite unique indexes, and the index the
conflict source reads through."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import Engine, engine_finder

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


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)

    async def run() -> None:
        for statement in FORWARDS:
            await _engine().run_ddl(statement)

    async def run_backwards() -> None:
        for statement in BACKWARDS:
            await _engine().run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
