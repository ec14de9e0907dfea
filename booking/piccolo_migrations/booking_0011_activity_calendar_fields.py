"""What an activity needs to mirror a calendar event (issue 13, calendar sync).

location, show_as (busy/free/tentative), private, trashed_at (an activity whose event
left the linked calendar waits in the trash, restorable), series_id and original_start
(occurrences of one recurring series), attendees (the guests exactly as the calendar
knows them, responses included, contacts or not) and organiser (set when someone other
than the host organises the event: the synced fields are read-only in the CRM).
Every column has a default, so existing rows need no backfill.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import Column
from piccolo.columns.column_types import JSON, Boolean, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "activity columns for calendar sync: location, show_as, private, trash, series"

_COLUMNS: list[tuple[str, type[Column], dict[str, Any]]] = [
    ("location", Text, {"default": "", "null": False}),
    ("show_as", Varchar, {"length": 10, "default": "busy", "null": False}),
    ("private", Boolean, {"default": False, "null": False}),
    ("trashed_at", Timestamptz, {"default": None, "null": True}),
    ("series_id", Varchar, {"length": 1024, "default": None, "null": True, "index": True}),
    ("original_start", Timestamptz, {"default": None, "null": True}),
    ("attendees", JSON, {"default": "[]", "null": False}),
    ("organiser", Varchar, {"length": 320, "default": "", "null": False}),
]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)
    for name, column_class, params in _COLUMNS:
        manager.add_column(
            table_class_name="Activity",
            tablename="activity",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params={
                "primary_key": False,
                "unique": False,
                "index": False,
                "index_method": IndexMethod.btree,
                "choices": None,
                "db_column_name": None,
                "secret": False,
                **params,
            },
            schema=None,
        )
    return manager
