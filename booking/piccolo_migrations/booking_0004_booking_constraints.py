"""Constraints piccolo cannot declare: composite and partial unique indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import Engine, engine_finder

ID = "2026-11-21T13:59:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event type slug unique per host; one confirmed booking per host and start"

FORWARDS = [
    "CREATE UNIQUE INDEX event_type_host_slug ON event_type (host, slug)",
    # The last line of defence against double booking: even if two writers slipped
    # past the serialised re-check, the database refuses the second row. (Overlaps
    # with different starts are prevented by the serialised re-check alone.)
    "CREATE UNIQUE INDEX booking_host_start_confirmed ON booking (host, start_at)"
    " WHERE status = 'confirmed'",
    "CREATE INDEX outbox_job_due ON outbox_job (status, next_attempt_at)",
]
BACKWARDS = [
    "DROP INDEX outbox_job_due",
    "DROP INDEX booking_host_start_confirmed",
    "DROP INDEX event_type_host_slug",
]


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def run() -> None:
        for statement in FORWARDS:
            await _engine().run_ddl(statement)

    async def run_backwards() -> None:
        for statement in BACKWARDS:
            await _engine().run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
