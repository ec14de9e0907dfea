"""Unique guest pairs and the seeded activity types.

Hand-written: piccolo has no composite unique constraints, and raw steps run before
table creation inside one migration, so they need a migration of their own.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-11-21T13:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique activity guests; seed Meeting, Call, Task, Appointment"

SEEDED_TYPES = [
    ("Meeting", "#4f46e5"),
    ("Call", "#0891b2"),
    ("Task", "#65a30d"),
    ("Appointment", "#db2777"),
]


FORWARDS = [
    "CREATE UNIQUE INDEX activity_guest_pair ON activity_guest (activity, contact)",
    *(
        # Literal constants only: no user input reaches this SQL.
        f"INSERT INTO activity_type (name, colour) VALUES ('{name}', '{colour}')"  # noqa: S608
        for name, colour in SEEDED_TYPES
    ),
]
BACKWARDS = [
    "DROP INDEX activity_guest_pair",
    "DELETE FROM activity_type WHERE name IN ("  # noqa: S608
    + ", ".join(f"'{name}'" for name, _ in SEEDED_TYPES)
    + ")",
]


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="booking",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
