from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Host(Table, tablename="host", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-11-30T21:30:30:677189"
VERSION = "1.38.0"
DESCRIPTION = "host_preferences: the view the activities page opens in"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    manager.add_table(
        class_name="HostPreferences",
        tablename="host_preferences",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="HostPreferences",
        tablename="host_preferences",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="HostPreferences",
        tablename="host_preferences",
        column_name="host",
        db_column_name="host",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Host,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="HostPreferences",
        tablename="host_preferences",
        column_name="activities_view",
        db_column_name="activities_view",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "month",
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
