"""Unique guest pairs and the seeded activity types.

Hand-written: piccolo has no composite unique constraints, and raw steps run before
table creation inside one migration, so they need a migration of their own.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import Engine, engine_finder

ID = "2026-11-21T13:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique activity guests; seed Meeting, Call, Task, Appointment"

SEEDED_TYPES = [
    ("Meeting", "#4f46e5"),
    ("Call", "#0891b2"),
    ("Task", "#65a30d"),
    ("Appointment", "#db2777"),
]


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def run() -> None:
        engine = _engine()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX activity_guest_pair ON activity_guest (activity, contact)"
        )
        for name, colour in SEEDED_TYPES:
            # Literal constants only: no user input reaches this SQL.
            await engine.run_ddl(
                f"INSERT INTO activity_type (name, colour) VALUES ('{name}', '{colour}')"  # noqa: S608
            )

    async def run_backwards() -> None:
        engine = _engine()
        await engine.run_ddl("DROP INDEX activity_guest_pair")
        names = ", ".join(f"'{name}'" for name, _ in SEEDED_TYPES)
        await engine.run_ddl(f"DELETE FROM activity_type WHERE name IN ({names})")  # noqa: S608

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
