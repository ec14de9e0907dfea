"""Piccolo app for integrations: connected accounts, calendars, busy blocks, push."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from integrations.accounts.tables import AccountIdentity, ConnectedAccount
from integrations.calendars.tables import (
    BusyBlock,
    Calendar,
    EventTypeCalendar,
    PushChannel,
)
from integrations.sync.tables import (
    SyncLink,
    SyncMirror,
    SyncRun,
    SyncSettings,
    SyncTransaction,
)

APP_CONFIG = AppConfig(
    app_name="integrations",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        ConnectedAccount,
        AccountIdentity,
        Calendar,
        BusyBlock,
        PushChannel,
        EventTypeCalendar,
        SyncSettings,
        SyncLink,
        SyncMirror,
        SyncRun,
        SyncTransaction,
    ],
    migration_dependencies=["booking.piccolo_app"],
    commands=[],
)
