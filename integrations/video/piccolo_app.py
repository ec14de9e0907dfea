"""Piccolo app for video conferencing. Its one migration made ``video_account``,
whose rows integrations_0005 moved into ``connected_account`` before dropping it;
it stays registered so databases of every age migrate in the same order."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="video",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["booking.piccolo_app"],
    commands=[],
)
