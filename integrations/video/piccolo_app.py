"""Piccolo app for video conferencing: the hosts' connected Zoom accounts."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from integrations.video.tables import VideoAccount

APP_CONFIG = AppConfig(
    app_name="video",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[VideoAccount],
    migration_dependencies=["booking.piccolo_app"],
    commands=[],
)
