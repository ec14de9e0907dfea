"""Public booking pages: a host's page, an event type's slot picker, and the invitee's
confirmation, cancel and reschedule pages (reached through the signed links).

The pages only render what the public JSON API would also reveal; picking a slot and
booking happen in ``static/booking.js`` against that API, so there is one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from booking.bookings import service as bookings
from booking.bookings.schemas import PublicBooking, Reason
from booking.bookings.service import BookingEnvironment
from booking.errors import DomainError
from booking.event_types import service as event_types
from booking.event_types.schemas import LocationKind
from booking.hosts import service as hosts
from booking.hosts.schemas import Host
from web.pages.zones import ZoneChoice, zone_groups, zone_label
from web.sync import SyncServices

Env = NamedDependency[BookingEnvironment]
Token = Annotated[str, QueryParameter(min_length=1, max_length=200)]

PUBLIC_API = "/api/v1/public"

LOCATION_LABELS: dict[LocationKind, str] = {
    "none": "Details follow by e-mail",
    "in_person": "In person",
    "phone": "Phone call",
    "zoom": "Zoom video call",
}


@dataclass(frozen=True, slots=True)
class ZoneGroup:
    """One region of the zone picker, its zones labelled with their offset now."""

    region: str
    choices: tuple[ZoneChoice, ...]


@dataclass(frozen=True, slots=True)
class ZonePicker:
    host: ZoneChoice
    utc: ZoneChoice
    groups: tuple[ZoneGroup, ...]


def zone_picker(host_zone: str, now: datetime) -> ZonePicker:
    """The invitee's zone list: friendly names with the offset they have today
    ("Eastern Time - New York (UTC-05:00)"), so the offset shown is the one that counts."""
    return ZonePicker(
        host=ZoneChoice(host_zone, zone_label(host_zone, now)),
        utc=ZoneChoice("UTC", zone_label("UTC", now)),
        groups=tuple(
            ZoneGroup(region, tuple(ZoneChoice(zone, zone_label(zone, now)) for zone in zones))
            for region, zones in zone_groups()
        ),
    )


class CancelForm(msgspec.Struct):
    reason: Reason = ""


@dataclass(frozen=True, slots=True)
class When:
    """A booking's time as the invitee reads it, in their zone."""

    day: str
    start: str
    end: str
    zone: str


def _when(booking: PublicBooking) -> When:
    zone = ZoneInfo(booking.invitee.time_zone)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    # start.day rather than %d (no zero padding; %-d is glibc-only). The names stay English:
    # the process never calls setlocale, so %A and %B use the C locale.
    return When(
        day=f"{start:%A}, {start.day} {start:%B %Y}",
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        zone=booking.invitee.time_zone,
    )


def _host_name(host: Host) -> str:
    return host.name or host.slug


def site_path(url: str) -> str:
    """The path and query of one of our own absolute links.

    Pages link within the site relatively: someone who reached this server on another
    address than ``PUBLIC_URL`` (a LAN name, a port forward) stays on it.
    """
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _booking_context(booking: PublicBooking, env: BookingEnvironment) -> dict[str, object]:
    links = booking.links
    return {
        "booking": booking,
        "links": {
            "booking": site_path(links.booking_url),
            "cancel": site_path(links.cancel_url),
            "reschedule": site_path(links.reschedule_url),
            "ics": site_path(links.ics_url),
        },
        "when": _when(booking),
        # The service refuses an invitee's change once the meeting has begun; hide the buttons.
        "changeable": booking.status == "confirmed" and booking.start > env.clock(),
    }


@get("/{host_slug:str}", include_in_schema=False)
async def host_page(host_slug: FromPath[str]) -> Template:
    host, listed = await event_types.list_listed(host_slug)
    return Template(
        "booking/host.html",
        context={
            "host_name": _host_name(host),
            "host_slug": host.slug,
            "event_types": listed,
            "location_labels": LOCATION_LABELS,
        },
    )


@get("/{host_slug:str}/{event_slug:str}", include_in_schema=False)
async def event_page(host_slug: FromPath[str], event_slug: FromPath[str], env: Env) -> Template:
    host, event_type = await event_types.get_public(host_slug, event_slug)
    return Template(
        "booking/event.html",
        context={
            "host_name": _host_name(host),
            "host_slug": host.slug,
            "host_zone": host.time_zone,
            "event_type": event_type,
            "location": LOCATION_LABELS[event_type.location_kind],
            "zones": zone_picker(host.time_zone, env.clock()),
            "api": PUBLIC_API,
        },
    )


@get("/booking/{uid:str}", include_in_schema=False)
async def confirmation_page(
    uid: FromPath[str], token: Token, env: Env, request: Request[Any, Any, Any]
) -> Template:
    booking = await bookings.public_booking(uid, token, env)
    # Without SMTP_URL nothing is sent: this page (and its address) is all the invitee gets.
    emailed = request.app.state.settings.smtp_url is not None
    return Template(
        "booking/confirmation.html",
        context={**_booking_context(booking, env), "emailed": emailed},
    )


@get("/booking/{uid:str}/cancel", include_in_schema=False)
async def cancel_page(uid: FromPath[str], token: Token, env: Env) -> Template:
    booking = await bookings.public_booking(uid, token, env)
    return Template(
        "booking/cancel.html",
        context={**_booking_context(booking, env), "token": token, "error": None, "reason": ""},
    )


@post("/booking/{uid:str}/cancel", include_in_schema=False, status_code=200)
async def cancel(
    uid: FromPath[str],
    token: Token,
    data: URLEncodedBody[CancelForm],
    env: Env,
    sync_services: NamedDependency[SyncServices],
) -> Template | Redirect:
    try:
        row = await bookings.cancel(uid, data.reason, env, token=token)
        await sync_services.schedule_host(row.host_id, "crm")
    except DomainError as exc:
        # A wrong token stays a plain 404 (public_booking raises it again); anything else
        # (already cancelled, already begun) is explained on the page with the typed reason.
        booking = await bookings.public_booking(uid, token, env)
        return Template(
            "booking/cancel.html",
            context={
                **_booking_context(booking, env),
                "token": token,
                "error": exc.detail,
                "reason": data.reason,
            },
            status_code=exc.status_code,
        )
    # Post/redirect/get: reloading the confirmation must not re-submit the cancellation.
    return Redirect(f"/booking/{uid}", query_params={"token": token}, status_code=303)


@get("/booking/{uid:str}/reschedule", include_in_schema=False)
async def reschedule_page(uid: FromPath[str], token: Token, env: Env) -> Template:
    booking = await bookings.public_booking(uid, token, env)
    host = await hosts.get_by_slug(booking.host_slug)
    return Template(
        "booking/reschedule.html",
        context={
            **_booking_context(booking, env),
            "host_zone": host.time_zone,
            "zones": zone_picker(host.time_zone, env.clock()),
            "api": PUBLIC_API,
            "reschedule_url": f"{PUBLIC_API}/bookings/{uid}/reschedule?token={token}",
            "token": token,
        },
    )


router = Router(
    path="/",
    route_handlers=[
        host_page,
        event_page,
        confirmation_page,
        cancel_page,
        cancel,
        reschedule_page,
    ],
    tags=["Pages"],
)
