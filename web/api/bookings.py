"""Host API for bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from booking.bookings import service as bookings
from booking.bookings.schemas import Booking, Cancel, Reschedule
from booking.bookings.service import BookingEnvironment
from booking.hosts.schemas import Host
from web.api.params import Offset
from web.openapi import problems
from web.sync import SyncServices


class BookingController(Controller):
    path = "/bookings"
    tags = ["Bookings"]

    @get(
        operation_id="listBookings",
        responses=problems(422),
        summary="The host's bookings, by start time",
    )
    async def list_bookings(
        self,
        host: NamedDependency[Host],
        start: Annotated[datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[datetime | None, QueryParameter(name="to")] = None,
        status: FromQuery[Literal["confirmed", "cancelled"] | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Offset = 0,
    ) -> list[Booking]:
        return await bookings.list_for_host(
            host.id, start=start, end=end, status=status, limit=limit, offset=offset
        )

    @get("/{uid:str}", operation_id="getBooking")
    async def get_booking(
        self,
        uid: FromPath[str],
        host: NamedDependency[Host],
        env: NamedDependency[BookingEnvironment],
    ) -> Booking:
        return await bookings.get_for_host(host.id, uid, env)

    @post(
        "/{uid:str}/cancel", operation_id="cancelBooking", responses=problems(409), status_code=200
    )
    async def cancel(
        self,
        uid: FromPath[str],
        data: JSONBody[Cancel],
        host: NamedDependency[Host],
        env: NamedDependency[BookingEnvironment],
        sync_services: NamedDependency[SyncServices],
    ) -> Booking:
        row = await bookings.cancel(uid, data.reason, env, host_id=host.id)
        await sync_services.schedule_host(host.id, "crm")
        return bookings.to_booking(row)

    @post(
        "/{uid:str}/reschedule",
        operation_id="rescheduleBooking",
        responses=problems(409, 422),
        status_code=200,
    )
    async def reschedule(
        self,
        uid: FromPath[str],
        data: JSONBody[Reschedule],
        host: NamedDependency[Host],
        env: NamedDependency[BookingEnvironment],
        sync_services: NamedDependency[SyncServices],
    ) -> Booking:
        row = await bookings.reschedule(uid, data.start, env, host_id=host.id, reason=data.reason)
        await sync_services.schedule_host(host.id, "crm")
        return bookings.to_booking(row)
