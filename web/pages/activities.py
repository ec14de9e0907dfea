"""Host pages for activities: the team's activity types (add, rename, recolour,
remove), the activities that need attention (a guest matching several contacts) and
one activity's page, where pushed calendar events link back to."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from booking.activities import service as activities
from booking.activities.schemas import (
    Activity,
    ActivityTypeCreate,
    ActivityTypeUpdate,
    GuestResolution,
)
from booking.contacts import service as contacts
from booking.contacts.schemas import Contact
from booking.errors import DomainError
from booking.hosts.schemas import Host
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner

TYPES_PATH = "/dashboard/activity-types"
#: One activity's page; pushed calendar events link here (integrations/sync/adapters.py).
ACTIVITY_PATH = "/dashboard/activities/{activity_id:int}"
ATTENTION_PATH = "/dashboard/needs-attention"


class TypeForm(msgspec.Struct):
    name: str = ""
    colour: str = ""


class ResolveForm(msgspec.Struct):
    email: str = ""
    contact_id: str = ""


def _why(exc: msgspec.ValidationError | DomainError) -> str:
    if isinstance(exc, DomainError):
        return exc.detail
    # msgspec names the field: "Expected `str` matching regex ... - at `$.colour`"
    if "colour" in str(exc):
        return "A colour is written #rrggbb, e.g. #4f46e5."
    return "A name has 1 to 100 characters."


async def _types_page(
    host: Host, *, error: str | None = None, status: int = 200, saved: str | None = None
) -> Template:
    return Template(
        "activities/types.html",
        context={
            "host": host,
            "types": await activities.types(),
            "error": error,
            "saved": saved,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get(TYPES_PATH, guards=[require_session], include_in_schema=False)
async def types_page(host: NamedDependency[Host]) -> Template:
    return await _types_page(host)


@post(TYPES_PATH, guards=[require_session], include_in_schema=False, status_code=200)
async def add_type(host: NamedDependency[Host], data: URLEncodedBody[TypeForm]) -> Template:
    try:
        made = await activities.create_type(
            msgspec.convert({"name": data.name, "colour": data.colour}, ActivityTypeCreate)
        )
    except (msgspec.ValidationError, DomainError) as exc:
        status = exc.status_code if isinstance(exc, DomainError) else 422
        return await _types_page(host, error=_why(exc), status=status)
    return await _types_page(host, saved=f"Added {made.name}.", status=201)


@post(TYPES_PATH + "/{type_id:int}", guards=[require_session], include_in_schema=False)
async def change_type(
    host: NamedDependency[Host], type_id: FromPath[int], data: URLEncodedBody[TypeForm]
) -> Template:
    try:
        changed = await activities.update_type(
            type_id,
            msgspec.convert({"name": data.name, "colour": data.colour}, ActivityTypeUpdate),
        )
    except (msgspec.ValidationError, DomainError) as exc:
        status = exc.status_code if isinstance(exc, DomainError) else 422
        return await _types_page(host, error=_why(exc), status=status)
    return await _types_page(host, saved=f"Saved {changed.name}.")


@post(TYPES_PATH + "/{type_id:int}/delete", guards=[require_session], include_in_schema=False)
async def remove_type(host: NamedDependency[Host], type_id: FromPath[int]) -> Template | Redirect:
    try:
        await activities.delete_type(type_id)
    except DomainError as exc:
        return await _types_page(host, error=exc.detail, status=exc.status_code)
    return Redirect(TYPES_PATH, status_code=303)


async def _attention_page(host: Host, *, error: str | None = None, status: int = 200) -> Template:
    waiting = await activities.list_for(host.id, needs_attention=True)
    # The contacts each ambiguous address could be, to choose from.
    candidates: dict[str, list[Contact]] = {}
    for activity in waiting:
        for email in activity.ambiguous_guests:
            key = email.casefold()
            if key not in candidates:
                match = await contacts.match_guest(email)
                candidates[key] = await contacts.get_many(list(match.contact_ids))
    return Template(
        "activities/attention.html",
        context={
            "host": host,
            "activities": waiting,
            "candidates": candidates,
            "error": error,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get(ATTENTION_PATH, guards=[require_session], include_in_schema=False)
async def attention_page(host: NamedDependency[Host]) -> Template:
    return await _attention_page(host)


@post(ATTENTION_PATH + "/{activity_id:int}", guards=[require_session], include_in_schema=False)
async def resolve_guest(
    host: NamedDependency[Host], activity_id: FromPath[int], data: URLEncodedBody[ResolveForm]
) -> Template | Redirect:
    if not data.contact_id.isdigit():
        return await _attention_page(host, error="Choose one of the contacts.", status=422)
    try:
        await activities.resolve_guest(
            host.id,
            activity_id,
            GuestResolution(email=data.email, contact_id=int(data.contact_id)),
        )
    except DomainError as exc:
        return await _attention_page(host, error=exc.detail, status=exc.status_code)
    return Redirect(ATTENTION_PATH, status_code=303)


def _when(activity: Activity, zone: ZoneInfo) -> str:
    start, end = activity.start.astimezone(zone), activity.end.astimezone(zone)
    if activity.all_day:
        last = (activity.end - timedelta(days=1)).date()
        first = activity.start.date()
        return f"{first:%A, %Y-%m-%d}, all day" + (
            "" if last <= first else f" to {last:%A, %Y-%m-%d}"
        )
    if start.date() == end.date():
        return f"{start:%A, %Y-%m-%d, %H:%M} to {end:%H:%M}"
    return f"{start:%A, %Y-%m-%d, %H:%M} to {end:%A, %Y-%m-%d, %H:%M}"


@get(ACTIVITY_PATH, guards=[require_session], include_in_schema=False)
async def activity_page(host: NamedDependency[Host], activity_id: FromPath[int]) -> Template:
    """One activity, read-only: what a pushed calendar event links back to. Another
    host's activity, or one in the trash, is not found."""
    activity = await activities.get(host.id, activity_id)
    try:
        zone = ZoneInfo(host.time_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return Template(
        "activities/activity.html",
        context={
            "host": host,
            "activity": activity,
            "when": _when(activity, zone),
            "zone": str(zone),
            "reconnect": await reconnect_banner(host.id),
        },
    )


router = Router(
    path="/",
    route_handlers=[
        types_page,
        add_type,
        change_type,
        remove_type,
        attention_page,
        resolve_guest,
        activity_page,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
