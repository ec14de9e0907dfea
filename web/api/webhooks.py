"""Provider push notifications. Unauthenticated by design: each notification proves
itself with its channel token, checked against the one we stored."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from booking.errors import InvalidInput
from integrations.calendars import push
from integrations.calendars.environment import MICROSOFT_WEBHOOK_PATH, WEBHOOK_PATH
from web.calendars import CalendarServices
from web.openapi import problems
from web.sync import SyncServices


@post(
    WEBHOOK_PATH,
    operation_id="googleNotification",
    responses=problems(403, 404),
    status_code=200,
    tags=["Webhooks"],
)
async def google_notification(
    request: Request[Any, Any, Any],
    calendar_services: NamedDependency[CalendarServices],
    sync_services: NamedDependency[SyncServices],
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
        # A linked calendar's change also runs its sync (busy blocks and activities).
        await sync_services.schedule_calendars((calendar_id,))


class GraphNotification(msgspec.Struct, rename="camel"):
    """One item of a Graph change or lifecycle notification; only what we use is read."""

    subscription_id: str = ""
    client_state: str | None = None
    #: Lifecycle notices only: subscriptionRemoved, reauthorizationRequired, missed.
    lifecycle_event: str | None = None


#: Lifecycle notices after which the subscription must be renewed or replaced.
_RENEW = frozenset({"subscriptionRemoved", "reauthorizationRequired"})


class GraphNotifications(msgspec.Struct):
    value: list[GraphNotification] = msgspec.field(default_factory=list)


@post(
    MICROSOFT_WEBHOOK_PATH,
    operation_id="microsoftNotification",
    responses={
        # Graph's validation handshake: the token echoed back as text/plain.
        200: ResponseSpec(data_container=str, media_type=MediaType.TEXT, description="validated"),
        **problems(400, 403, 404, 422),
    },
    status_code=202,
    tags=["Webhooks"],
)
async def microsoft_notification(
    request: Request[Any, Any, Any],
    calendar_services: NamedDependency[CalendarServices],
    sync_services: NamedDependency[SyncServices],
    validation_token: Annotated[str | None, QueryParameter(name="validationToken")] = None,
    channel: Annotated[str | None, QueryParameter()] = None,
) -> Response[str]:
    """Graph's change and lifecycle notifications: the validation handshake, then
    notifications that each carry the subscription's ``clientState``, checked before
    a sync of the channel's calendar is scheduled (after ``subscriptionRemoved`` or
    ``reauthorizationRequired``, that sync renews or replaces the subscription).

    The handshake must be answered with the token as text/plain within 10 s, so it
    touches nothing else. Our notification URL names the channel (``?channel=``):
    Graph chooses subscription ids itself."""
    if validation_token is not None:
        return Response(validation_token, media_type=MediaType.TEXT, status_code=200)
    try:
        notifications = msgspec.json.decode(await request.body(), type=GraphNotifications)
    except msgspec.DecodeError as exc:
        raise InvalidInput("body", f"not a Graph change notification: {exc}") from exc
    calendar_id: int | None = None
    for item in notifications.value:
        # Every item proves itself: one forged item refuses the whole post.
        calendar_id = await push.verify_notification(channel or "", item.client_state)
    if calendar_id is not None:
        if any(item.lifecycle_event in _RENEW for item in notifications.value):
            await push.renew_soon(channel or "", calendar_services.env.clock())
        # A change, a "missed" notice (the delta catches up) or a renewal: one sync.
        calendar_services.runner.schedule(calendar_id)
        await sync_services.schedule_calendars((calendar_id,))
    return Response("", media_type=MediaType.TEXT, status_code=202)
