"""'Why is this time not bookable?': the host picks an event type, a date and a time
in their zone and reads every reason the availability engine gives, in plain words.
The reasons come from booking's :func:`booking.bookings.reasons.explain_for_host`,
which reads exactly what the booking check reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from availability.explain import (
    DailyLimitReached,
    NotASlotStart,
    OutsideHorizon,
    OutsideWorkingHours,
    Reason,
    TooSoon,
    WeeklyLimitReached,
)
from booking.bookings.reasons import Blocker, Explanation, explain_for_host
from booking.bookings.service import BookingEnvironment
from booking.errors import NotFound
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType
from booking.hosts.schemas import Host
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.pages.bookings import host_zone

__all__ = ["EXPLAIN_PATH", "router", "words"]

EXPLAIN_PATH = "/dashboard/explain"
PROVIDERS = {"google": "Google", "microsoft": "Microsoft", "caldav": "CalDAV", "ics": "ICS"}


@dataclass(frozen=True)
class Said:
    """One reason in plain words; ``code`` names its kind for programs and tests."""

    code: str
    text: str
    #: Where to look at what is in the way (a booking's or an activity's page).
    link: str = ""


def _minutes(value: int) -> str:
    if value % (24 * 60) == 0:
        days = value // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if value % 60 == 0:
        hours = value // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{value} minutes"


def _span(blocker: Blocker, slot_day: date, zone: ZoneInfo) -> str:
    start, end = blocker.start.astimezone(zone), blocker.end.astimezone(zone)
    prefix = "" if start.date() == slot_day else f"{start:%A, %Y-%m-%d} "
    suffix = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%A, %Y-%m-%d %H:%M}"
    return f"{prefix}{start:%H:%M} to {suffix}"


def _calendar(label: str) -> str:
    provider, _, name = label.partition(":")
    if not name:
        return f"your calendar “{label}”"
    return f"your {PROVIDERS.get(provider, provider)} calendar “{name}”"


def _buffers(event_type: EventType) -> str:
    kept = [
        f"{_minutes(minutes)} free {side}"
        for minutes, side in (
            (event_type.buffer_before_minutes, "before"),
            (event_type.buffer_after_minutes, "after"),
        )
        if minutes
    ]
    if not kept:
        return "that booking keeps time free around it"
    return f"{event_type.title} keeps {' and '.join(kept)} each booking"


def _blocker(blocker: Blocker, explanation: Explanation, zone: ZoneInfo) -> Said:
    event_type = explanation.event_type
    slot_day = explanation.start.astimezone(zone).date()
    span = _span(blocker, slot_day, zone)
    if blocker.kind == "booking":
        what = f"your booking “{blocker.title or 'a booking'}” ({span})"
        link = f"/dashboard/bookings/{blocker.booking_uid}" if blocker.booking_uid else ""
        code = "booking"
    elif blocker.kind == "activity":
        what = f"your activity “{blocker.title or 'an activity'}” ({span})"
        link = f"/dashboard/activities/{blocker.activity_id}" if blocker.activity_id else ""
        code = "activity"
    else:
        title = blocker.title or "Busy"
        tentative = ", tentatively" if blocker.tentative else ""
        what = f"“{title}” in {_calendar(blocker.calendar)} ({span}{tentative})"
        link = ""
        code = "calendar"
    if blocker.only_buffer:
        return Said(
            "buffer",
            f"Buffer: {what} is outside the slot but too close to it ({_buffers(event_type)}).",
            link,
        )
    return Said(code, f"Busy: {what} takes this time.", link)


def words(reason: Reason | Blocker, explanation: Explanation, zone: ZoneInfo) -> Said:
    """The reason as a host would say it, with times in the host's zone."""
    if isinstance(reason, Blocker):
        return _blocker(reason, explanation, zone)
    event_type = explanation.event_type
    local = explanation.start.astimezone(zone)
    local_end = explanation.end.astimezone(zone)
    if isinstance(reason, OutsideWorkingHours):
        if reason.date_blocked:
            return Said("day_off", f"Day off: {local:%A, %Y-%m-%d} is blocked by a date override.")
        hours = ", ".join(
            f"{lo.astimezone(zone):%H:%M} to {hi.astimezone(zone):%H:%M}"
            for lo, hi in explanation.working_hours
        )
        return Said(
            "outside_working_hours",
            f"Outside working hours: {local:%H:%M} to {local_end:%H:%M} on {local:%A} "
            "is not inside one of your working-hours ranges"
            + (f" ({hours} that day)." if hours else " (you work no hours that day)."),
        )
    if isinstance(reason, NotASlotStart):
        step = event_type.step_minutes or event_type.duration_minutes
        return Said(
            "not_a_slot_start",
            f"Not a start time: {event_type.title} offers a start every {_minutes(step)} "
            f"from the beginning of each working-hours range, and {local:%H:%M} is not one.",
        )
    if isinstance(reason, TooSoon):
        earliest = reason.earliest.astimezone(zone)
        return Said(
            "too_soon",
            f"Too soon: {event_type.title} needs {_minutes(event_type.minimum_notice_minutes)} "
            f"notice, so right now the earliest start is {earliest:%A, %Y-%m-%d %H:%M}.",
        )
    if isinstance(reason, OutsideHorizon):
        if reason.first is None:
            return Said(
                "outside_horizon",
                f"Too far ahead: {event_type.title} can be booked at most "
                f"{event_type.horizon_days} days ahead, so the last day invitees can choose "
                f"is {reason.last}.",
            )
        return Said(
            "outside_horizon",
            f"Outside the booking dates: {event_type.title} can be booked only from "
            f"{reason.first} to {reason.last}.",
        )
    if isinstance(reason, DailyLimitReached):
        return Said(
            "daily_limit",
            f"Daily limit: {reason.local_date} already has {reason.bookings} bookings of "
            f"{event_type.title}, and the limit is {reason.limit} a day.",
        )
    if isinstance(reason, WeeklyLimitReached):
        return Said(
            "weekly_limit",
            f"Weekly limit: the week of {reason.week_start} already has {reason.bookings} "
            f"bookings of {event_type.title}, and the limit is {reason.limit} a week.",
        )
    return Said(reason.code, reason.message)


def _parse(day: str, at: str, zone: ZoneInfo) -> tuple[datetime | None, dict[str, str]]:
    errors: dict[str, str] = {}
    parsed_day = parsed_time = None
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        errors["date"] = "Write a date as YYYY-MM-DD."
    try:
        parsed_time = time.fromisoformat(at)
    except ValueError:
        errors["time"] = "Write a time as HH:MM."
    if parsed_day is None or parsed_time is None:
        return None, errors
    return datetime.combine(parsed_day, parsed_time, tzinfo=zone), errors


@get(EXPLAIN_PATH, guards=[require_session], include_in_schema=False)
async def explain_page(
    host: NamedDependency[Host],
    env: NamedDependency[BookingEnvironment],
    event_type: FromQuery[str] = "",
    day: Annotated[str, QueryParameter(name="date")] = "",
    at: Annotated[str, QueryParameter(name="time")] = "",
) -> Template:
    zone = host_zone(host)
    types = await event_types.list_for_host(host.id)
    chosen: EventType | None = next((t for t in types if str(t.id) == event_type), None)
    errors: dict[str, str] = {}
    explanation: Explanation | None = None
    said: list[Said] = []
    if event_type and chosen is None:
        errors["event_type"] = "Choose one of your event types."
    if event_type and at:
        instant, more = _parse(day, at, zone)
        errors.update(more)
        if instant is not None and chosen is not None:
            try:
                explanation = await explain_for_host(host.id, chosen.id, instant, env)
            except NotFound:
                errors["event_type"] = "Choose one of your event types."
            else:
                said = [words(r, explanation, zone) for r in explanation.reasons]
    today = env.clock().astimezone(zone).date()
    return Template(
        "explain/index.html",
        context={
            "host": host,
            "types": types,
            "chosen": chosen,
            "date": day or today.isoformat(),
            "time": at,
            "zone": str(zone),
            "errors": errors,
            "explanation": explanation,
            "said": said,
            "when": (
                f"{explanation.start.astimezone(zone):%A, %Y-%m-%d %H:%M}" if explanation else ""
            ),
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=422 if errors else 200,
    )


router = Router(
    path="/",
    route_handlers=[explain_page],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
