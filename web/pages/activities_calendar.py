"""The activities calendar: the host's activities in month, week, day and list views
(FullCalendar, vendored under web/static/vendor/), in their type's colour, beside the
linked calendar's external events as grey busy time.

The page itself carries no data: web/static/activities-calendar.js reads the visible
range from :func:`feed` and writes through :func:`create_activity` and
:func:`move_activity`, which go through the same activity service as the API (and so
schedule the host's linked sync). Errors are problem documents, as the API's are
(web/errors.py answers JSON to a request that does not ask for HTML).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
from litestar import Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Template

from booking.activities import service as activities
from booking.activities.schemas import Activity, ActivityCreate, ActivityUpdate, Title
from booking.errors import InvalidInput
from booking.hosts import preferences
from booking.hosts.preferences import ActivitiesView
from booking.hosts.schemas import Host
from booking.ids import Id
from integrations.sync.busy_view import ExternalBusy, external_busy
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.sync import SyncServices

__all__ = ["router"]

PAGE = "/dashboard/activities"
#: The widest range one feed request may ask for: a month view shows six weeks, the
#: list a week; a year is generous and keeps one answer bounded.
LONGEST_RANGE = timedelta(days=366)


class CalendarActivity(msgspec.Struct, kw_only=True):
    """An activity as the calendar draws it."""

    id: int
    title: str
    #: With the host zone's offset; a date alone for an all-day activity.
    start: str
    #: Exclusive, like ``start``.
    end: str
    all_day: bool
    type_id: int
    type_name: str
    colour: str
    #: Black or white, whichever reads on ``colour``.
    text_colour: str
    #: Why it cannot be moved here (someone else organises its calendar event); empty
    #: when it can.
    read_only: str
    url: str


class CalendarBusy(msgspec.Struct, kw_only=True):
    """An external event of the host's calendars: busy time, not an activity."""

    title: str
    start: str
    end: str
    all_day: bool
    calendar: str
    tentative: bool


class CalendarFeed(msgspec.Struct, kw_only=True):
    activities: list[CalendarActivity]
    busy: list[CalendarBusy]


class NewActivity(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A range selected on the calendar (or typed in the dialog), with the title and type
    the dialog asked for. ``start`` and ``end`` are ISO 8601, with an offset or in the
    host's zone, or dates for an all-day range (``end`` the day after the last)."""

    title: Title
    activity_type_id: Id | None = None
    start: str
    end: str
    all_day: bool = False


class NewTimes(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Where an activity was dragged or resized to (as :class:`NewActivity`)."""

    start: str
    end: str
    all_day: bool = False


class ViewChoice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    view: str


class RememberedView(msgspec.Struct, kw_only=True):
    view: ActivitiesView


def _zone(host: Host) -> ZoneInfo:
    try:
        return ZoneInfo(host.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _day_of(value: datetime, zone: ZoneInfo) -> date:
    """The calendar day an all-day item's bound stands for. All-day events are stored
    at the host zone's midnight (docs/calendars.md); an all-day activity made through
    the API may sit at UTC midnight instead, which is its date as written."""
    local = value.astimezone(zone)
    if local.time() == time(0):
        return local.date()
    if value.utcoffset() == timedelta(0) and value.time() == time(0):
        return value.date()
    return local.date()


def _bounds(start: datetime, end: datetime, all_day: bool, zone: ZoneInfo) -> tuple[str, str]:
    if all_day:
        first, after = _day_of(start, zone), _day_of(end, zone)
        return first.isoformat(), max(after, first + timedelta(days=1)).isoformat()
    return start.astimezone(zone).isoformat(), end.astimezone(zone).isoformat()


def _text_colour(colour: str) -> str:
    # WCAG relative luminance: white text on dark colours, black on light ones.
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if luminance > 0.179 else "#ffffff"


def _read_only(activity: Activity) -> str:
    if not activity.organiser:
        return ""
    return (
        f"Organised by {activity.organiser} in your calendar: its time can only be changed there."
    )


def to_calendar(activity: Activity, zone: ZoneInfo) -> CalendarActivity:
    start, end = _bounds(activity.start, activity.end, activity.all_day, zone)
    kind = activity.activity_type
    return CalendarActivity(
        id=activity.id,
        title=activity.title,
        start=start,
        end=end,
        all_day=activity.all_day,
        type_id=kind.id,
        type_name=kind.name,
        colour=kind.colour,
        text_colour=_text_colour(kind.colour),
        read_only=_read_only(activity),
        url=f"{PAGE}/{activity.id}",
    )


def _busy(block: ExternalBusy, zone: ZoneInfo) -> CalendarBusy:
    start, end = _bounds(block.start, block.end, block.all_day, zone)
    return CalendarBusy(
        title=block.title,
        start=start,
        end=end,
        all_day=block.all_day,
        calendar=block.calendar,
        tentative=block.tentative,
    )


def _moment(value: str, field: str, all_day: bool, zone: ZoneInfo) -> datetime:
    """A bound the page sent: an all-day day starts at the host zone's midnight (as the
    sync stores all-day events); a time with no offset is a wall-clock time of the host's
    zone, which the page says its times are in (the dialog's fields)."""
    try:
        if all_day:
            return datetime.combine(date.fromisoformat(value[:10]), time(0), zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "is not an ISO 8601 date and time.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


@get(PAGE, guards=[require_session], include_in_schema=False)
async def calendar_page(
    host: NamedDependency[Host], view: FromQuery[str | None] = None
) -> Template:
    """The calendar, opening in the view the host last chose (``?view=`` chooses one,
    and is remembered as a switch in the page is)."""
    chosen = preferences.known_view(view or "")
    if chosen is not None:
        await preferences.remember_activities_view(host.id, chosen)
    else:
        chosen = await preferences.activities_view(host.id)
    waiting = await activities.list_for(host.id, needs_attention=True)
    return Template(
        "activities/calendar.html",
        context={
            "host": host,
            "view": chosen,
            "zone": str(_zone(host)),
            "types": await activities.types(),
            "attention": waiting,
            "reconnect": await reconnect_banner(host.id),
        },
    )


@get(PAGE + "/feed", guards=[require_session], include_in_schema=False)
async def feed(
    host: NamedDependency[Host],
    start: FromQuery[datetime],
    end: FromQuery[datetime],
) -> CalendarFeed:
    """The visible range's activities (not completed, never trashed) and busy time."""
    for value, name in ((start, "start"), (end, "end")):
        if value.tzinfo is None:
            raise InvalidInput(name, "include a UTC offset, e.g. 2026-03-01T00:00:00Z.")
    if end <= start:
        raise InvalidInput("end", "must be after start.")
    if end - start > LONGEST_RANGE:
        raise InvalidInput("end", "the range is at most 366 days.")
    zone = _zone(host)
    shown = await activities.list_for(host.id, start, end, completed=False)
    return CalendarFeed(
        activities=[to_calendar(activity, zone) for activity in shown],
        busy=[_busy(block, zone) for block in await external_busy(host.id, start, end)],
    )


@post(PAGE, guards=[require_session], include_in_schema=False, status_code=201)
async def create_activity(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    data: JSONBody[NewActivity],
) -> CalendarActivity:
    """A range selected on the calendar becomes an activity (and reaches the linked
    calendar, as one made through the API does)."""
    zone = _zone(host)
    created = await activities.create(
        host.id,
        ActivityCreate(
            title=data.title,
            activity_type_id=data.activity_type_id,
            start=_moment(data.start, "start", data.all_day, zone),
            end=_moment(data.end, "end", data.all_day, zone),
            all_day=data.all_day,
        ),
    )
    await sync_services.schedule_host(host.id, "crm")
    return to_calendar(created, zone)


@patch(PAGE + "/{activity_id:int}/times", guards=[require_session], include_in_schema=False)
async def move_activity(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    activity_id: FromPath[int],
    data: JSONBody[NewTimes],
) -> CalendarActivity:
    """An activity dragged or resized: 409 for one someone else organises."""
    zone = _zone(host)
    updated = await activities.update(
        host.id,
        activity_id,
        ActivityUpdate(
            start=_moment(data.start, "start", data.all_day, zone),
            end=_moment(data.end, "end", data.all_day, zone),
            all_day=data.all_day,
        ),
    )
    await sync_services.schedule_host(host.id, "crm")
    return to_calendar(updated, zone)


@post(PAGE + "/view", guards=[require_session], include_in_schema=False, status_code=200)
async def remember_view(host: NamedDependency[Host], data: JSONBody[ViewChoice]) -> RememberedView:
    """The host switched view: the page opens in it next time, in any browser."""
    return RememberedView(view=await preferences.remember_activities_view(host.id, data.view))


router = Router(
    path="/",
    route_handlers=[calendar_page, feed, create_activity, move_activity, remember_view],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
