"""Host pages for activities: the team's activity types (add, rename, recolour,
remove), the activities that need attention (a guest matching several contacts) and
one activity's page, where pushed calendar events link back to."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from booking.activities import service as activities
from booking.activities.schemas import (
    Activity,
    ActivityTypeCreate,
    ActivityTypeUpdate,
    ActivityUpdate,
    GuestResolution,
)
from booking.contacts import service as contacts
from booking.contacts.schemas import Contact
from booking.errors import DomainError, InvalidInput
from booking.hosts.schemas import Host
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.sync import SyncServices

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


def _zone(host: Host) -> ZoneInfo:
    try:
        return ZoneInfo(host.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


class ActivityForm(msgspec.Struct):
    """The activity page's form; times are ``datetime-local`` values in the host's zone.
    Unchecked boxes are not sent at all: absence means off."""

    title: str = ""
    activity_type_id: str = ""
    start: str = ""
    end: str = ""
    all_day: str = ""
    location: str = ""
    description: str = ""
    show_as: str = "busy"
    private: str = ""
    completed: str = ""


def _form_of(activity: Activity, zone: ZoneInfo) -> ActivityForm:
    return ActivityForm(
        title=activity.title,
        activity_type_id=str(activity.activity_type.id),
        start=f"{activity.start.astimezone(zone):%Y-%m-%dT%H:%M}",
        end=f"{activity.end.astimezone(zone):%Y-%m-%dT%H:%M}",
        all_day="on" if activity.all_day else "",
        location=activity.location,
        description=activity.description,
        show_as=activity.show_as,
        private="on" if activity.private else "",
        completed="on" if activity.completed else "",
    )


def _local(value: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    except ValueError:
        return None


def _update_of(
    form: ActivityForm, activity: Activity, zone: ZoneInfo, type_ids: set[int]
) -> tuple[ActivityUpdate | None, dict[str, str]]:
    """The change the form asks for, or every problem with it at once. An activity
    someone else organises takes only its type and completion from here."""
    errors: dict[str, str] = {}
    if not form.activity_type_id.isdigit() or int(form.activity_type_id) not in type_ids:
        errors["activity_type_id"] = "Choose one of the activity types."
    if activity.organiser:
        if errors:
            return None, errors
        return ActivityUpdate(
            activity_type_id=int(form.activity_type_id), completed=bool(form.completed)
        ), {}
    title = " ".join(form.title.split())
    if not title:
        errors["title"] = "Give the activity a title."
    elif len(title) > 500:
        errors["title"] = "A title has at most 500 characters."
    start, end = _local(form.start, zone), _local(form.end, zone)
    if start is None:
        errors["start"] = "Give a date and time."
    if end is None:
        errors["end"] = "Give a date and time."
    elif start is not None and end <= start:
        errors["end"] = "The end must come after the start."
    if form.show_as not in ("busy", "free", "tentative"):
        errors["show_as"] = "Choose busy, free or tentative."
    if len(form.location) > 1000:
        errors["location"] = "A place has at most 1,000 characters."
    if errors or start is None or end is None:
        return None, errors
    return ActivityUpdate(
        title=title,
        activity_type_id=int(form.activity_type_id),
        start=start,
        end=end,
        all_day=bool(form.all_day),
        location=form.location.strip(),
        description=form.description,
        show_as=form.show_as,  # type: ignore[arg-type]
        private=bool(form.private),
        completed=bool(form.completed),
    ), {}


async def _activity_page(
    host: Host,
    activity: Activity,
    *,
    form: ActivityForm | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    status: int = 200,
) -> Template:
    zone = _zone(host)
    return Template(
        "activities/activity.html",
        context={
            "host": host,
            "activity": activity,
            "when": _when(activity, zone),
            "zone": str(zone),
            "form": form or _form_of(activity, zone),
            "errors": errors or {},
            "saved": saved,
            "types": await activities.types(),
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get(ACTIVITY_PATH, guards=[require_session], include_in_schema=False)
async def activity_page(
    host: NamedDependency[Host], activity_id: FromPath[int], saved: FromQuery[bool] = False
) -> Template:
    """One activity, and the form that changes it: what a pushed calendar event links
    back to. Another host's activity, or one in the trash, is not found."""
    return await _activity_page(host, await activities.get(host.id, activity_id), saved=saved)


@post(ACTIVITY_PATH, guards=[require_session], include_in_schema=False, status_code=200)
async def change_activity(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    activity_id: FromPath[int],
    data: URLEncodedBody[ActivityForm],
) -> Template | Redirect:
    """Save the form: every problem is shown at once and nothing typed is lost; a
    saved change reaches the linked calendar with the next sync, started now."""
    activity = await activities.get(host.id, activity_id)
    type_ids = {t.id for t in await activities.types()}
    change, errors = _update_of(data, activity, _zone(host), type_ids)
    if change is None:
        return await _activity_page(host, activity, form=data, errors=errors, status=422)
    try:
        await activities.update(host.id, activity_id, change)
    except InvalidInput as exc:
        message = exc.detail.removeprefix(f"{exc.field}: ")
        errors = {exc.field: message}
        return await _activity_page(host, activity, form=data, errors=errors, status=422)
    except DomainError as exc:
        errors = {"form": exc.detail}
        return await _activity_page(
            host, activity, form=data, errors=errors, status=exc.status_code
        )
    await sync_services.schedule_host(host.id, "crm")
    return Redirect(
        ACTIVITY_PATH.replace("{activity_id:int}", str(activity_id)) + "?saved=1", status_code=303
    )


@post(ACTIVITY_PATH + "/delete", guards=[require_session], include_in_schema=False, status_code=303)
async def delete_activity(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    activity_id: FromPath[int],
) -> Redirect:
    """Delete after the page's confirmation; its calendar event goes with the next sync."""
    await activities.delete(host.id, activity_id)
    await sync_services.schedule_host(host.id, "crm")
    return Redirect("/dashboard/activities", status_code=303)


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
        change_activity,
        delete_activity,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
