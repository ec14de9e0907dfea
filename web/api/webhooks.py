"""Provider push notifications. Unauthenticated by design: each notification proves
itself with its channel token, checked against the one we stored."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency

from integrations.calendars import push
from integrations.calendars.environment import WEBHOOK_PATH
from web.calendars import CalendarServices
from web.openapi import problems


@post(
    WEBHOOK_PATH,
    operation_id="googleNotification",
    responses=problems(403, 404),
    status_code=200,
    tags=["Webhooks"],
)
async def google_notification(
    request: Request[Any, Any, Any], calendar_services: NamedDependency[CalendarServices]
) -> None:
    """An events.watch notification: schedules an incremental sync of its calendar.

    Unknown channels answer 404 and a wrong token 403; Google stops sending to a
    channel whose notifications keep failing, which is what we want for those.
    """
    headers = request.headers
    calendar_id = await push.verify_notification(
        headers.get("x-goog-channel-id", ""), headers.get("x-goog-channel-token")
    )
    # "sync" only confirms a new channel; nothing changed yet.
    if headers.get("x-goog-resource-state") != "sync":
        calendar_services.runner.schedule(calendar_id)
