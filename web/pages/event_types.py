"""The event types pages: the host's list (with each booking page's link to copy),
one form to create or edit every field of an event type, hide / unhide, and delete
behind a confirm step (refused, with hiding offered, once it has bookings).

The form marks every bad field at once with the event types service's own rules
(``event_types.problems``), keeping what was typed; only then is it saved through
``create`` / ``update``, like the API. Which conflict calendars it checks is the
calendars service's choice (null: every conflict calendar).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from booking.activities import service as activities
from booking.errors import AlreadyExists, DomainError, InvalidInput
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate, EventTypeUpdate
from booking.hosts.schemas import Host
from booking.schedules import service as schedules
from integrations.calendars import service as calendars
from integrations.calendars.schemas import Calendar, EventTypeCalendarsUpdate
from integrations.video.environment import VideoEnvironment
from integrations.video.service import zoom_connected
from web.auth import provide_host, require_session
from web.calendars import CalendarServices
from web.pages.banner import reconnect_banner

LIST_PATH = "/dashboard/event-types"
NEW_PATH = LIST_PATH + "/new"
ONE_PATH = LIST_PATH + "/{event_type_id:int}"

#: Number fields; blank means null where the API allows it, else "is required".
_NUMBERS = (
    "duration_minutes", "step_minutes", "buffer_before_minutes", "buffer_after_minutes",
    "minimum_notice_minutes", "horizon_days", "max_per_day", "max_per_week",
    "schedule_id", "activity_type_id",
)  # fmt: skip
_TEXTS = ("title", "slug", "description", "location_value")
_DATES = ("horizon_start", "horizon_end")
#: Key of a problem that belongs to no one field (shown at the top only).
FORM = "_form"
LOCATIONS = (
    ("none", "No location"),
    ("in_person", "In person"),
    ("phone", "Phone call"),
    ("zoom", "Zoom video call"),
)


class Form(msgspec.Struct, kw_only=True):
    """The form as typed: every value a string, so a bad one is shown back as it was."""

    title: str = ""
    slug: str = ""
    description: str = ""
    duration_minutes: str = "30"
    step_minutes: str = ""
    buffer_before_minutes: str = "0"
    buffer_after_minutes: str = "0"
    minimum_notice_minutes: str = "0"
    #: "rolling" (horizon_days) or "fixed" (horizon_start..horizon_end).
    horizon_kind: str = "rolling"
    horizon_days: str = "60"
    horizon_start: str = ""
    horizon_end: str = ""
    max_per_day: str = ""
    max_per_week: str = ""
    location_kind: str = "none"
    location_value: str = ""
    schedule_id: str = ""
    activity_type_id: str = ""
    hidden: bool = False
    #: "all" (every conflict calendar, the default) or "chosen".
    calendars: str = "all"
    calendar_ids: list[int] = msgspec.field(default_factory=list)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _form_of(event_type: EventType, calendar_ids: list[int] | None) -> Form:
    fixed = event_type.horizon_days is None
    return Form(
        **{key: _text(getattr(event_type, key)) for key in (*_NUMBERS, *_TEXTS, *_DATES)},
        horizon_kind="fixed" if fixed else "rolling",
        location_kind=event_type.location_kind,
        hidden=event_type.hidden,
        calendars="all" if calendar_ids is None else "chosen",
        calendar_ids=calendar_ids or [],
    )


def _read(form: FormMultiDict) -> Form:
    fields = {key: str(form.get(key, "")) for key in (*_NUMBERS, *_TEXTS, *_DATES)}
    ids = [int(value) for value in form.getall("calendar_ids", []) if str(value).isdigit()]
    return Form(
        **fields,
        horizon_kind="fixed" if form.get("horizon_kind") == "fixed" else "rolling",
        location_kind=str(form.get("location_kind", "none")),
        hidden=bool(form.get("hidden")),
        calendars="chosen" if form.get("calendars") == "chosen" else "all",
        calendar_ids=ids,
    )


def _number(text: str) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _values(form: Form, *, new: bool) -> dict[str, Any]:
    """The form's values as the service takes them (bad numbers stay strings and are
    reported by ``event_types.problems``)."""
    values: dict[str, Any] = {key: _number(getattr(form, key)) for key in _NUMBERS}
    values |= {key: getattr(form, key) for key in _TEXTS}
    values |= {key: getattr(form, key).strip() or None for key in _DATES}
    values["slug"] = form.slug.strip() or (None if new else "")
    values["location_kind"] = form.location_kind
    values["hidden"] = form.hidden
    if form.horizon_kind == "fixed":
        values["horizon_days"] = None
    else:
        values["horizon_start"] = values["horizon_end"] = None
    return values


async def _conflict_calendars(host_id: int, services: CalendarServices) -> list[Calendar]:
    return [c for c in await calendars.list_calendars(services.env, host_id) if c.is_conflict]


def _calendar_problem(form: Form, conflict_ids: set[int]) -> str | None:
    if form.calendars != "chosen":
        return None
    if not form.calendar_ids:
        return 'Tick at least one calendar, or choose "Every conflict calendar".'
    if any(i not in conflict_ids for i in form.calendar_ids):
        return "Choose among your conflict calendars."
    return None


async def _form_page(
    host: Host,
    video: VideoEnvironment,
    services: CalendarServices,
    form: Form,
    *,
    event_type: EventType | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    status: int = 200,
) -> Template:
    errors = errors or {}
    return Template(
        "event_types/edit.html",
        context={
            "host": host,
            "form": form,
            "event_type": event_type,
            "errors": errors,
            "error": _summary(errors),
            "saved": saved,
            "booking_link": None
            if event_type is None
            else video.public_url.rstrip("/") + event_type.booking_url,
            "schedules": await schedules.list_for_host(host.id),
            "activity_types": await activities.types(),
            "locations": LOCATIONS,
            "zoom": await zoom_connected(host.id),
            "conflict_calendars": await _conflict_calendars(host.id, services),
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


def _summary(errors: dict[str, str]) -> str | None:
    if not errors:
        return None
    if FORM in errors:
        return errors[FORM]
    count = len(errors)
    return f"Nothing was saved: {count} {'field needs' if count == 1 else 'fields need'} fixing."


@get(LIST_PATH, guards=[require_session], include_in_schema=False)
async def list_page(
    host: NamedDependency[Host], video: NamedDependency[VideoEnvironment]
) -> Template:
    return Template(
        "event_types/index.html",
        context={
            "host": host,
            "event_types": await event_types.list_for_host(host.id),
            "public_url": video.public_url.rstrip("/"),
            "reconnect": await reconnect_banner(host.id),
        },
    )


@get(NEW_PATH, guards=[require_session], include_in_schema=False)
async def new_page(
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
    calendar_services: NamedDependency[CalendarServices],
) -> Template:
    return await _form_page(host, video, calendar_services, Form())


async def _check(
    host: Host, services: CalendarServices, form: Form, current: EventType | None
) -> dict[str, str]:
    errors = await event_types.problems(
        host.id, _values(form, new=current is None), zoom_connected=zoom_connected, current=current
    )
    conflict_ids = {c.id for c in await _conflict_calendars(host.id, services)}
    if problem := _calendar_problem(form, conflict_ids):
        errors["calendar_ids"] = problem
    return errors


async def _save_calendars(host: Host, event_type_id: int, form: Form) -> None:
    ids = form.calendar_ids if form.calendars == "chosen" else None
    await calendars.set_event_type_calendars(
        host.id, event_type_id, EventTypeCalendarsUpdate(calendar_ids=ids)
    )


def _field_error(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, InvalidInput | AlreadyExists):
        message = (
            exc.detail if isinstance(exc, AlreadyExists) else exc.extra["errors"][0]["message"]
        )
        return {exc.field: str(message)}
    return {FORM: exc.detail}


@post(LIST_PATH, guards=[require_session], include_in_schema=False, status_code=303)
async def create_event_type(
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
    calendar_services: NamedDependency[CalendarServices],
    request: Request[Any, Any, Any],
) -> Template | Redirect:
    form = _read(await request.form())
    errors = await _check(host, calendar_services, form, None)
    if errors:
        return await _form_page(host, video, calendar_services, form, errors=errors, status=422)
    try:
        made = await event_types.create(
            host.id,
            msgspec.convert(_values(form, new=True), EventTypeCreate),
            zoom_connected=zoom_connected,
        )
    except DomainError as exc:
        return await _form_page(
            host, video, calendar_services, form, errors=_field_error(exc), status=exc.status_code
        )
    await _save_calendars(host, made.id, form)
    return Redirect(f"{LIST_PATH}/{made.id}?saved=1", status_code=303)


@get(ONE_PATH, guards=[require_session], include_in_schema=False)
async def edit_page(
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
    calendar_services: NamedDependency[CalendarServices],
    event_type_id: FromPath[int],
    saved: FromQuery[str] = "",
) -> Template:
    event_type = await event_types.get(host.id, event_type_id)
    chosen = await calendars.event_type_calendars(host.id, event_type_id)
    form = _form_of(event_type, None if chosen.uses_default else chosen.calendar_ids)
    return await _form_page(
        host,
        video,
        calendar_services,
        form,
        event_type=event_type,
        saved=f"Saved {event_type.title}." if saved else None,
    )


@post(ONE_PATH, guards=[require_session], include_in_schema=False, status_code=303)
async def save_event_type(
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
    calendar_services: NamedDependency[CalendarServices],
    event_type_id: FromPath[int],
    request: Request[Any, Any, Any],
) -> Template | Redirect:
    current = await event_types.get(host.id, event_type_id)
    form = _read(await request.form())
    errors = await _check(host, calendar_services, form, current)
    if errors:
        return await _form_page(
            host, video, calendar_services, form, event_type=current, errors=errors, status=422
        )
    try:
        await event_types.update(
            host.id,
            event_type_id,
            msgspec.convert(_values(form, new=False), EventTypeUpdate),
            zoom_connected=zoom_connected,
        )
    except DomainError as exc:
        return await _form_page(
            host,
            video,
            calendar_services,
            form,
            event_type=current,
            errors=_field_error(exc),
            status=exc.status_code,
        )
    await _save_calendars(host, event_type_id, form)
    return Redirect(f"{LIST_PATH}/{event_type_id}?saved=1", status_code=303)


@post(ONE_PATH + "/hidden", guards=[require_session], include_in_schema=False, status_code=303)
async def set_hidden(
    host: NamedDependency[Host], event_type_id: FromPath[int], request: Request[Any, Any, Any]
) -> Redirect:
    form = await request.form()
    hidden = form.get("hidden") == "1"
    await event_types.update(host.id, event_type_id, EventTypeUpdate(hidden=hidden))
    return Redirect(LIST_PATH, status_code=303)


@get(ONE_PATH + "/delete", guards=[require_session], include_in_schema=False)
async def confirm_delete(host: NamedDependency[Host], event_type_id: FromPath[int]) -> Template:
    event_type = await event_types.get(host.id, event_type_id)
    return Template(
        "event_types/delete.html",
        context={
            "host": host,
            "event_type": event_type,
            "has_bookings": await event_types.has_bookings(host.id, event_type_id),
            "reconnect": await reconnect_banner(host.id),
        },
    )


@post(ONE_PATH + "/delete", guards=[require_session], include_in_schema=False, status_code=303)
async def delete_event_type(
    host: NamedDependency[Host], event_type_id: FromPath[int]
) -> Template | Redirect:
    try:
        await event_types.delete(host.id, event_type_id)
    except DomainError as exc:
        return Template(
            "event_types/delete.html",
            context={
                "host": host,
                "event_type": await event_types.get(host.id, event_type_id),
                "has_bookings": True,
                "error": exc.detail,
                "reconnect": await reconnect_banner(host.id),
            },
            status_code=exc.status_code,
        )
    return Redirect(LIST_PATH, status_code=303)


router = Router(
    path="/",
    route_handlers=[
        list_page,
        new_page,
        create_event_type,
        edit_page,
        save_event_type,
        set_hidden,
        confirm_delete,
        delete_event_type,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
