"""Existing activities get their contact guests as attendees (the column comes from
booking_0011): the calendar sync pushes an activity's attendees, so without this an
activity made before the upgrade would reach the calendar with no guests.

Separate from booking_0011 because piccolo runs a migration's raw steps before its
column changes. Grouped in Python: the JSON aggregate functions differ between SQLite
and PostgreSQL.
"""

from __future__ import annotations

import msgspec
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-11-30T21:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "activity.attendees from the activity's contact guests"


async def _forwards() -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    rows = await engine.run_querystring(
        QueryString(
            "SELECT g.activity AS activity, c.email AS email FROM activity_guest g"
            " JOIN contact c ON c.id = g.contact ORDER BY g.activity, g.id"
        )
    )
    attendees: dict[int, dict[str, dict[str, str]]] = {}
    for row in rows:
        email = str(row["email"])
        guests = attendees.setdefault(int(row["activity"]), {})
        guests.setdefault(email.strip().casefold(), {"email": email, "response": "needsAction"})
    for activity_id, guests in attendees.items():
        await engine.run_querystring(
            QueryString(
                "UPDATE activity SET attendees = {} WHERE id = {}",
                msgspec.json.encode(list(guests.values())).decode(),
                activity_id,
            )
        )


async def _backwards() -> None:
    return None  # booking_0011's rollback drops the column


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
