"""calendar_account becomes connected_account, the one table of every provider's
accounts, with the columns video accounts and least privilege need; and
account_identity, which remembers when a host first connected an identity.

Renamed rather than created: calendar.account keeps pointing at the same ids, so no
calendar, busy block or push channel row moves. The rows themselves (Zoom accounts
from video_account included) are moved by 0005: piccolo runs a migration's raw steps
before its schema steps.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Host(Table, tablename="host", schema=None):
    id = Serial(null=False, primary_key=True)


ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "connected_account (was calendar_account) and account_identity"


def _params(**values: Any) -> dict[str, Any]:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **values,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    manager.rename_table(
        old_class_name="CalendarAccount",
        old_tablename="calendar_account",
        new_class_name="ConnectedAccount",
        new_tablename="connected_account",
    )
    added: list[tuple[str, type[Any], dict[str, Any]]] = [
        ("purpose", Varchar, _params(length=16, default="calendar")),
        ("external_id", Varchar, _params(length=1024, default="")),
        ("display_name", Varchar, _params(length=200, default="")),
        ("scopes", Text, _params(default="")),
        # Nullable: SQLite adds no column with a non-constant default; 0005 fills it.
        ("authorized_at", Timestamptz, _params(default=None, null=True)),
        ("last_used_at", Timestamptz, _params(default=None, null=True)),
    ]
    for name, column_class, params in added:
        manager.add_column(
            table_class_name="ConnectedAccount",
            tablename="connected_account",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )

    manager.add_table(class_name="AccountIdentity", tablename="account_identity")
    identity: list[tuple[str, type[Any], dict[str, Any]]] = [
        ("id", Serial, _params(primary_key=True)),
        (
            "host",
            ForeignKey,
            _params(
                references=Host,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
            ),
        ),
        ("provider", Varchar, _params(length=16, default="")),
        ("external_id", Varchar, _params(length=1024, default="")),
        ("first_connected_at", Timestamptz, _params(default=TimestamptzNow())),
    ]
    for name, column_class, params in identity:
        manager.add_column(
            table_class_name="AccountIdentity",
            tablename="account_identity",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
        )
    return manager
