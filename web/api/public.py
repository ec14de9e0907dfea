"""Public booking API: no authentication; what an invitee's browser calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from booking.bookings import service as bookings
from booking.bookings.schemas import BookingCreate, Cancel, PublicBooking, Reschedule, Slots
from booking.bookings.service import BookingEnvironment
from booking.event_types import service as event_types
from web.openapi import problems
from web.sync import SyncServices

Env = NamedDependency[BookingEnvironment]
Token = Annotated[str, QueryParameter(min_length=1, max_length=200, description="From the link")]


class PublicHost(msgspec.Struct):
    name: str
    slug: str
    time_zone: str


class PublicEventType(msgspec.Struct):
    title: str
    slug: str
    description: str
    duration_minutes: int
    location_kind: str


class PublicPage(msgspec.Struct):
    host: PublicHost
    event_type: PublicEventType


class PublicController(Controller):
    path = "/"
    tags = ["Public booking"]

    @get("/{host_slug:str}/{event_slug:str}", operation_id="getPublicEventType")
    async def event_type(self, host_slug: FromPath[str], event_slug: FromPath[str]) -> PublicPage:
        host, et = await event_types.get_public(host_slug, event_slug)
        return PublicPage(
            host=PublicHost(host.name, host.slug, host.time_zone),
            event_type=PublicEventType(
                et.title, et.slug, et.description, et.duration_minutes, et.location_kind
            ),
        )

    @get(
        "/{host_slug:str}/{event_slug:str}/slots",
        operation_id="listPublicSlots",
        responses=problems(422),
        summary="Free slots, grouped by date in the viewer's zone (at most 62 days)",
    )
    async def slots(
        self,
        host_slug: FromPath[str],
        event_slug: FromPath[str],
        start: FromQuery[date],
        end: FromQuery[date],
        tz: Annotated[str, QueryParameter(max_length=64)],
        env: Env,
        reschedule: Annotated[
            str | None,
            QueryParameter(
                max_length=64, description="Uid of a booking being moved; needs its token"
            ),
        ] = None,
        token: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Slots:
        moving = (reschedule, token or "") if reschedule else None
        return await bookings.slots(host_slug, event_slug, start, end, tz, env, moving=moving)

    @post(
        "/{host_slug:str}/{event_slug:str}/bookings",
        operation_id="createPublicBooking",
        responses=problems(409, 422),
        summary="Book a slot; 409 when it is no longer free",
    )
    async def book(
        self,
        host_slug: FromPath[str],
        event_slug: FromPath[str],
        data: JSONBody[BookingCreate],
        env: Env,
        sync_services: NamedDependency[SyncServices],
    ) -> PublicBooking:
        booked = await bookings.book(host_slug, event_slug, data, env)
        # The booking's activity goes to the host's linked calendar now, not at the
        # next automatic run.
        await sync_services.schedule_host_slug(host_slug)
        return booked

    @get("/bookings/{uid:str}", operation_id="getPublicBooking")
    async def booking(self, uid: FromPath[str], token: Token, env: Env) -> PublicBooking:
        return await bookings.public_booking(uid, token, env)

    @get(
        "/bookings/{uid:str}/invite.ics",
        operation_id="getPublicBookingInvite",
        media_type="text/calendar",
    )
    async def invite(self, uid: FromPath[str], token: Token, env: Env) -> Response[bytes]:
        body = await bookings.invite_ics(uid, token, env)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
        )

    @post(
        "/bookings/{uid:str}/cancel",
        operation_id="cancelPublicBooking",
        responses=problems(403, 409),
        status_code=200,
    )
    async def cancel(
        self,
        uid: FromPath[str],
        token: Token,
        data: JSONBody[Cancel],
        env: Env,
        sync_services: NamedDependency[SyncServices],
    ) -> PublicBooking:
        row = await bookings.cancel(uid, data.reason, env, token=token)
        await sync_services.schedule_host(row.host_id, "crm")
        return await bookings.public_booking(row.uid, token, env)

    @post(
        "/bookings/{uid:str}/reschedule",
        operation_id="reschedulePublicBooking",
        responses=problems(403, 409, 422),
        status_code=200,
    )
    async def reschedule(
        self,
        uid: FromPath[str],
        token: Token,
        data: JSONBody[Reschedule],
        env: Env,
        sync_services: NamedDependency[SyncServices],
    ) -> PublicBooking:
        row = await bookings.reschedule(uid, data.start, env, token=token, reason=data.reason)
        await sync_services.schedule_host(row.host_id, "crm")
        return await bookings.public_booking(row.uid, token, env)
