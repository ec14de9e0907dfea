"""Piccolo app for the booking core: its tables and migrations."""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from booking.activities.tables import Activity, ActivityGuest, ActivityType
from booking.bookings.tables import Booking
from booking.contacts.tables import Contact
from booking.event_types.tables import EventType
from booking.hosts.tables import ApiToken, Host, HostPreferences
from booking.outbox.tables import OutboxJob
from booking.schedules.tables import Schedule

APP_CONFIG = AppConfig(
    app_name="booking",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Host,
        ApiToken,
        HostPreferences,
        Contact,
        ActivityType,
        Activity,
        ActivityGuest,
        Schedule,
        EventType,
        Booking,
        OutboxJob,
    ],
    migration_dependencies=[],
    commands=[],
)
