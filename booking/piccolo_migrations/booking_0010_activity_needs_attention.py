from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T19:05:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "activity.needs_attention and the guest addresses that matched several contacts"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Activity",
        tablename="activity",
        column_name="needs_attention",
        db_column_name="needs_attention",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    manager.add_column(
        table_class_name="Activity",
        tablename="activity",
        column_name="ambiguous_guests",
        db_column_name="ambiguous_guests",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
