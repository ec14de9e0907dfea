"""Piccolo app for video conferencing. Its migrations made ``video_account`` and then
moved its rows into ``connected_account`` (the integrations app's table, hence the
dependency) and dropped it; it stays registered so that databases of every age
migrate the same way."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

APP_CONFIG = AppConfig(
    app_name="video",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[],
    migration_dependencies=["booking.piccolo_app", "integrations.piccolo_app"],
    commands=[],
)
