"""Constraints piccolo cannot declare: composite and partial unique indexes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

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


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="booking",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
