"""sync_transaction: the create ids (Graph transactionIds) a sync run has been about to
send; a create whose id was never sent before is not read back (integrations/sync/
transactions.py). The ids sent before this table existed are recorded in 0009 (piccolo
runs a migration's raw steps before it creates its tables).

The table is declared here as it is at this migration, not imported.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Varchar
from piccolo.table import Table

ID = "2026-12-01T09:00:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync_transaction"


class SyncTransaction(Table, tablename="sync_transaction"):
    transaction_id = Varchar(length=1024, primary_key=True)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    table = SyncTransaction
    manager.add_table(class_name=table.__name__, tablename=table._meta.tablename)
    for column in table._meta.columns:
        manager.add_column(
            table_class_name=table.__name__,
            tablename=table._meta.tablename,
            column_name=column._meta.name,
            db_column_name=column._meta.db_column_name,
            column_class_name=type(column).__name__,
            column_class=type(column),
            params=column._meta.params,
        )
    return manager
