"""Every API controller, in one list per router, so ``web.app`` wires them in one place."""

from __future__ import annotations

from typing import Any

from web.api.activities import ActivityController, ActivityTypeController
from web.api.bookings import BookingController
from web.api.calendars import (
    CalendarAccountController,
    CalendarController,
    EventTypeCalendarController,
)
from web.api.contacts import ContactController
from web.api.event_types import EventTypeController
from web.api.me import MeController
from web.api.public import PublicController
from web.api.schedules import ScheduleController
from web.api.sync import SyncRunController, SyncSettingsController
from web.api.tokens import TokenController
from web.api.video_accounts import VideoAccountController
from web.api.webhooks import google_notification, microsoft_notification

#: Under /api/v1, bearer token required.
HOST_API: list[Any] = [
    MeController,
    TokenController,
    BookingController,
    ContactController,
    ActivityController,
    ActivityTypeController,
    ScheduleController,
    EventTypeController,
    CalendarAccountController,
    CalendarController,
    EventTypeCalendarController,
    VideoAccountController,
    SyncSettingsController,
    SyncRunController,
]
#: Under /api/v1/public, no authentication (rate-limited writes).
PUBLIC_API: list[Any] = [PublicController]
#: At the top level, no authentication: provider push notifications.
WEBHOOKS: list[Any] = [google_notification, microsoft_notification]
