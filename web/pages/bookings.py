"""The host's bookings: upcoming and past, filtered by status and dates, and one
booking's page to cancel it (with a reason, after a confirm step) or move it to
another free slot. Cancelling and rescheduling go through the booking service with
the host's id, as the API does, so the rules and the e-mails are the API's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from booking.bookings import service as bookings
from booking.bookings.schemas import Booking, SlotOut
from booking.bookings.service import BookingEnvironment
from booking.errors import DomainError, InvalidInput
from booking.hosts.schemas import Host
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.sync import SyncServices

__all__ = ["BOOKINGS_PATH", "host_zone", "router"]

BOOKINGS_PATH = "/dashboard/bookings"
#: As the API's Reschedule and Cancel bodies allow.
MAX_REASON = 1_000
#: Bookings shown at once; narrower dates find the rest.
PAGE_SIZE = 200
STATUSES = {"": "Any status", "confirmed": "Confirmed", "cancelled": "Cancelled"}
DONE = {
    "cancelled": "The booking is cancelled.",
    "rescheduled": "The booking is moved to its new time.",
}


def host_zone(host: Host) -> ZoneInfo:
    try:
        return ZoneInfo(host.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def when(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """'Monday, 2026-03-02, 10:00 to 10:30' in the host's zone."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() == local_end.date():
        return f"{local_start:%A, %Y-%m-%d, %H:%M} to {local_end:%H:%M}"
    return f"{local_start:%A, %Y-%m-%d, %H:%M} to {local_end:%A, %Y-%m-%d, %H:%M}"


@dataclass(frozen=True)
class Row:
    booking: Booking
    when: str
    #: The date it starts on, in the host's zone (lists group by it).
    day: date


@dataclass(frozen=True)
class Filters:
    show: Literal["upcoming", "past"]
    status: str
    start: str
    end: str
    errors: dict[str, str]

    def query(self, **changes: str) -> str:
        values = {"show": self.show, "status": self.status, "from": self.start, "to": self.end}
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v})


def _filters(show: str, status: str, start: str, end: str) -> Filters:
    errors: dict[str, str] = {}
    if start and _date(start) is None:
        errors["from"] = "Write a date as YYYY-MM-DD."
    if end and _date(end) is None:
        errors["to"] = "Write a date as YYYY-MM-DD."
    first, last = _date(start), _date(end)
    if first and last and last < first:
        errors["to"] = "The last date must not be before the first."
    return Filters(
        show="past" if show == "past" else "upcoming",
        status=status if status in STATUSES else "",
        start=start,
        end=end,
        errors=errors,
    )


async def _rows(host: Host, filters: Filters, now: datetime) -> list[Row]:
    zone = host_zone(host)
    first, last = _date(filters.start), _date(filters.end)
    lower = _midnight(first, zone) if first else None
    upper = _midnight(last + timedelta(days=1), zone) if last else None
    past = filters.show == "past"
    # Upcoming: not yet over (one under way is still upcoming). Past: over.
    if past:
        upper = now if upper is None else min(upper, now)
    else:
        lower = now if lower is None else max(lower, now)
    if lower is not None and upper is not None and upper <= lower:
        return []
    found = await bookings.list_for_host(
        host.id,
        start=lower,
        end=upper,
        status=filters.status or None,
        limit=PAGE_SIZE,
        newest_first=past,
    )
    return [
        Row(b, when(b.start, b.end, zone), b.start.astimezone(zone).date())
        for b in found
        if not past or b.end <= now
    ]


@get(BOOKINGS_PATH, guards=[require_session], include_in_schema=False)
async def list_page(
    host: NamedDependency[Host],
    env: NamedDependency[BookingEnvironment],
    show: FromQuery[str] = "upcoming",
    status: FromQuery[str] = "",
    start: Annotated[str, QueryParameter(name="from")] = "",
    end: Annotated[str, QueryParameter(name="to")] = "",
) -> Template:
    filters = _filters(show, status, start, end)
    rows = [] if filters.errors else await _rows(host, filters, env.clock())
    return Template(
        "bookings/list.html",
        context={
            "host": host,
            "filters": filters,
            "rows": rows,
            "full": len(rows) >= PAGE_SIZE,
            "statuses": STATUSES,
            "zone": str(host_zone(host)),
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=422 if filters.errors else 200,
    )


class CancelForm(msgspec.Struct):
    reason: str = ""
    #: Empty on the first press: the page then asks to confirm.
    confirm: str = ""


class RescheduleForm(msgspec.Struct):
    start: str = ""
    reason: str = ""
    day: str = ""


def _refusal(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput) and exc.field == "start":
        return f"The new time {exc.extra['errors'][0]['message']}"
    return exc.detail


async def _booking_page(
    host: Host,
    uid: str,
    env: BookingEnvironment,
    *,
    day: str = "",
    done: str = "",
    confirm_reason: str | None = None,
    cancel_error: str | None = None,
    move_error: str | None = None,
    reason: str = "",
    status: int = 200,
) -> Template:
    booking = await bookings.get_for_host(host.id, uid, env)
    zone = host_zone(host)
    now = env.clock()
    # The day whose free slots are offered: the one asked for, else the booking's own
    # (or today, for a booking in the past).
    chosen = _date(day)
    if chosen is None:
        chosen = max(booking.start, now).astimezone(zone).date()
    slots: list[SlotOut] = []
    slots_error = None
    if booking.status == "confirmed":
        try:
            slots = await bookings.slots_for_host(host.id, uid, chosen, str(zone), env)
        except DomainError as exc:
            slots_error = exc.detail
    return Template(
        "bookings/booking.html",
        context={
            "host": host,
            "booking": booking,
            "when": when(booking.start, booking.end, zone),
            "zone": str(zone),
            "past": booking.end <= now,
            "day": chosen,
            "previous_day": chosen - timedelta(days=1),
            "next_day": chosen + timedelta(days=1),
            # (value, label, whether it is the booking's own time now)
            "slots": [
                (
                    s.start.isoformat().replace("+00:00", "Z"),
                    f"{s.start.astimezone(zone):%H:%M}",
                    s.start == booking.start,
                )
                for s in slots
            ],
            "slots_error": slots_error,
            "done": DONE.get(done),
            "confirm_reason": confirm_reason,
            "cancel_error": cancel_error,
            "move_error": move_error,
            "reason": reason,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


ONE_PATH = BOOKINGS_PATH + "/{uid:str}"


@get(ONE_PATH, guards=[require_session], include_in_schema=False)
async def booking_page(
    host: NamedDependency[Host],
    env: NamedDependency[BookingEnvironment],
    uid: FromPath[str],
    day: FromQuery[str] = "",
    done: FromQuery[str] = "",
) -> Template:
    """One booking; another host's is not found, as in the API."""
    return await _booking_page(host, uid, env, day=day, done=done)


@post(ONE_PATH + "/cancel", guards=[require_session], include_in_schema=False, status_code=200)
async def cancel(
    host: NamedDependency[Host],
    env: NamedDependency[BookingEnvironment],
    sync_services: NamedDependency[SyncServices],
    uid: FromPath[str],
    data: URLEncodedBody[CancelForm],
) -> Template | Redirect:
    reason = data.reason.strip()
    if len(reason) > MAX_REASON:
        return await _booking_page(
            host, uid, env, reason=reason, status=422,
            cancel_error=f"A reason has at most {MAX_REASON} characters.",
        )  # fmt: skip
    if data.confirm != "yes":
        return await _booking_page(host, uid, env, confirm_reason=reason)
    try:
        await bookings.cancel(uid, reason, env, host_id=host.id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return await _booking_page(
            host, uid, env, cancel_error=_refusal(exc), status=exc.status_code
        )
    await sync_services.schedule_host(host.id, "crm")
    return Redirect(f"{BOOKINGS_PATH}/{uid}", query_params={"done": "cancelled"}, status_code=303)


@post(ONE_PATH + "/reschedule", guards=[require_session], include_in_schema=False, status_code=200)
async def reschedule(
    host: NamedDependency[Host],
    env: NamedDependency[BookingEnvironment],
    sync_services: NamedDependency[SyncServices],
    uid: FromPath[str],
    data: URLEncodedBody[RescheduleForm],
) -> Template | Redirect:
    reason = data.reason.strip()
    error = None
    try:
        start = datetime.fromisoformat(data.start) if data.start else None
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        error = "Choose one of the free times."
    elif len(reason) > MAX_REASON:
        error = f"A reason has at most {MAX_REASON} characters."
    else:
        try:
            await bookings.reschedule(uid, start, env, host_id=host.id, reason=reason)
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await _booking_page(
                host, uid, env, day=data.day, move_error=_refusal(exc), reason=reason,
                status=exc.status_code,
            )  # fmt: skip
        await sync_services.schedule_host(host.id, "crm")
        return Redirect(
            f"{BOOKINGS_PATH}/{uid}", query_params={"done": "rescheduled"}, status_code=303
        )
    return await _booking_page(
        host, uid, env, day=data.day, move_error=error, reason=reason, status=422
    )


router = Router(
    path="/",
    route_handlers=[list_page, booking_page, cancel, reschedule],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
