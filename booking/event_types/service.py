"""Rules for event types: validation, the per-host slug, visibility, engine rules.

Switching between a rolling horizon (``horizon_days``) and a fixed one
(``horizon_start``..``horizon_end``): setting one kind without mentioning the other
clears the other, so a PATCH of ``{"horizon_days": 30}`` on a fixed-range event type
just works; sending both kinds at once is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec
from piccolo.columns import Column

import availability
from booking import validation
from booking.activities import service as activities
from booking.errors import Conflict, InvalidInput, NotFound
from booking.event_types import repository
from booking.event_types.records import BookableRecord, EventTypeRecord
from booking.event_types.schemas import (
    DEFAULT_HORIZON_DAYS,
    EventType,
    EventTypeCreate,
    EventTypeUpdate,
)
from booking.hosts import service as hosts
from booking.hosts.schemas import Host
from booking.schedules import repository as schedules_repository
from booking.schedules import service as schedules
from booking.validation import SLUG_RE

#: Answers whether a host has a connected Zoom account (handed down by ``web``).
ZoomConnected = Callable[[int], Awaitable[bool]]

NO_SUCH_PAGE = "No such booking page."
ZOOM_NOT_CONNECTED = "Connect Zoom on the video conferencing tab before choosing Zoom."

# Fields stored under another column name.
_COLUMNS = {"schedule_id": "schedule", "activity_type_id": "activity_type"}


def slugify(text: str) -> str:
    """A URL slug from a title: ASCII letters and digits joined by single hyphens.

    The result matches :data:`booking.validation.SLUG_RE`, or is empty when the title
    has no Latin letter or digit at all.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:64].rstrip("-")


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise InvalidInput("title", "must not be blank.")
    return title


def _slug(value: str) -> str:
    # Not validation.slug: the reserved words guard top-level paths, and an event
    # type's slug only ever follows its host's (/{host_slug}/{event_slug}).
    if not SLUG_RE.fullmatch(value):
        raise InvalidInput(
            "slug", "use 1-64 lowercase letters, digits and inner hyphens (e.g. 'intro-call')."
        )
    return value


def _derived_slug(title: str) -> str:
    slug = slugify(title)
    if not slug:
        raise InvalidInput("slug", "cannot be derived from this title; send a slug.")
    return slug


def _check_horizon(days: int | None, start: date | None, end: date | None) -> None:
    if (start is None) != (end is None):
        field = "horizon_end" if end is None else "horizon_start"
        raise InvalidInput(field, "set both horizon_start and horizon_end, or neither.")
    if start is not None and end is not None:
        validation.in_years(start, "horizon_start")
        validation.in_years(end, "horizon_end")
        if end < start:
            raise InvalidInput("horizon_end", "must be on or after horizon_start.")
        if days is not None:
            raise InvalidInput(
                "horizon_days", "must be null when horizon_start and horizon_end are set."
            )
    elif days is None:
        raise InvalidInput("horizon_days", "set horizon_days, or horizon_start and horizon_end.")


def _location(kind: str, value: str) -> str:
    value = value.strip()
    if kind in ("in_person", "phone") and not value:
        what = "an address" if kind == "in_person" else "a phone number"
        raise InvalidInput("location_value", f"give {what} for location_kind '{kind}'.")
    if kind in ("none", "zoom") and value:
        raise InvalidInput("location_value", f"must be empty for location_kind '{kind}'.")
    return value


async def _check_zoom(host_id: int, zoom_connected: ZoomConnected | None) -> None:
    if zoom_connected is None or not await zoom_connected(host_id):
        raise InvalidInput("location_kind", ZOOM_NOT_CONNECTED)


async def _check_schedule(host_id: int, schedule_id: int | None) -> None:
    if schedule_id is not None and await schedules_repository.by_id(host_id, schedule_id) is None:
        raise InvalidInput(
            "schedule_id", "No such schedule; use one of your schedules, or null for the default."
        )


async def _check_activity_type(activity_type_id: int) -> None:
    if not await repository.activity_type_exists(activity_type_id):
        raise InvalidInput("activity_type_id", "No such activity type.")


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    return {_COLUMNS.get(key, key): value for key, value in values.items()}


async def list_for_host(host_id: int) -> list[EventType]:
    """All the host's event types, hidden ones included, ordered by title."""
    return msgspec.convert(
        await repository.for_host(host_id), list[EventType], from_attributes=True
    )


async def get(host_id: int, event_type_id: int) -> EventType:
    """One of the host's event types, hidden or not.

    Raises :class:`NotFound` for an unknown id and for another host's event type alike.
    """
    row = await repository.by_id(host_id, event_type_id)
    if row is None:
        raise NotFound("No such event type.")
    return _event_type(row)


async def get_public(host_slug: str, event_slug: str) -> tuple[Host, EventType]:
    """The host and event type behind a public booking page ``/{host_slug}/{event_slug}``.

    Raises :class:`NotFound` ("No such booking page.") for an unknown host, an unknown
    event type and a hidden one alike: hidden types are not bookable publicly, and
    the answer must not reveal that they exist.
    """
    found = await _public_record(host_slug, event_slug)
    return _host(found), _event_type(found.event_type)


async def _public_record(host_slug: str, event_slug: str) -> BookableRecord:
    found = await repository.public_by_slugs(host_slug, event_slug)
    if found is None or found.event_type.hidden:
        raise NotFound(NO_SUCH_PAGE)
    return found


def _event_type(record: EventTypeRecord) -> EventType:
    return msgspec.convert(record, EventType, from_attributes=True)


def _host(found: BookableRecord) -> Host:
    return msgspec.convert(found.host, Host, from_attributes=True)


@dataclass(frozen=True, slots=True)
class Bookable:
    """A public event type with its host and the working hours it is booked against."""

    host: Host
    event_type: EventType
    #: None when the host has no schedule yet (hosts from before schedules existed);
    #: ``schedules.for_event_type`` then creates the default.
    hours: availability.Schedule | None


async def get_bookable(host_slug: str, event_slug: str) -> Bookable:
    """:func:`get_public` plus the working hours, from the same single query: the
    slots endpoint's first read."""
    found = await _public_record(host_slug, event_slug)
    hours = None
    if found.hours is not None:
        hours = schedules.engine_schedule(
            found.hours.time_zone, found.hours.weekly, found.hours.overrides
        )
    return Bookable(_host(found), _event_type(found.event_type), hours)


async def list_listed(host_slug: str) -> tuple[Host, list[EventType]]:
    """The host and its non-hidden event types, ordered by title (the host's public page).

    Raises :class:`NotFound` ("No such booking page.") for an unknown host.
    """
    host = await hosts.get_by_slug(host_slug)
    rows = await repository.for_host(host.id, include_hidden=False)
    return host, msgspec.convert(rows, list[EventType], from_attributes=True)


def rules(event_type: EventType) -> availability.EventRules:
    """The availability engine's rules for an event type (minutes become timedeltas).

    A fixed range becomes ``horizon_range``; ``horizon_days`` is null then.
    """
    horizon_range = None
    if event_type.horizon_start is not None and event_type.horizon_end is not None:
        horizon_range = (event_type.horizon_start, event_type.horizon_end)
    return availability.EventRules(
        duration=timedelta(minutes=event_type.duration_minutes),
        step=None
        if event_type.step_minutes is None
        else timedelta(minutes=event_type.step_minutes),
        buffer_before=timedelta(minutes=event_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=event_type.buffer_after_minutes),
        minimum_notice=timedelta(minutes=event_type.minimum_notice_minutes),
        horizon_days=event_type.horizon_days,
        horizon_range=horizon_range,
        max_per_day=event_type.max_per_day,
        max_per_week=event_type.max_per_week,
    )


async def create(
    host_id: int, data: EventTypeCreate, zoom_connected: ZoomConnected | None = None
) -> EventType:
    """Create an event type for the host.

    ``zoom_connected`` answers whether the host has Zoom connected; None means Zoom is
    unavailable, so ``location_kind: "zoom"`` is refused.
    """
    title = _title(data.title)
    slug = _slug(data.slug) if data.slug is not None else _derived_slug(title)
    horizon_days = data.horizon_days
    if horizon_days is msgspec.UNSET:
        fixed = data.horizon_start is not None or data.horizon_end is not None
        horizon_days = None if fixed else DEFAULT_HORIZON_DAYS
    _check_horizon(horizon_days, data.horizon_start, data.horizon_end)
    location_value = _location(data.location_kind, data.location_value)
    if data.location_kind == "zoom":
        await _check_zoom(host_id, zoom_connected)
    await _check_schedule(host_id, data.schedule_id)
    # Meeting by default, or the oldest type once Meeting was renamed or removed: the
    # same rule as an activity made without a type.
    activity_type_id = await activities.resolve_type(data.activity_type_id)
    values = {
        **msgspec.structs.asdict(data),
        "title": title,
        "slug": slug,
        "horizon_days": horizon_days,
        "location_value": location_value,
        "activity_type_id": activity_type_id,
        "host": host_id,
    }
    event_type_id = await repository.insert(_columns(values))
    return await get(host_id, event_type_id)


async def update(
    host_id: int,
    event_type_id: int,
    data: EventTypeUpdate,
    zoom_connected: ZoomConnected | None = None,
) -> EventType:
    """Change an event type; only the fields present in ``data`` are changed.

    Choosing ``location_kind: "zoom"`` needs Zoom connected (see :func:`create`); an
    event type that already uses Zoom keeps it on other edits. Switching
    ``location_kind`` to none or zoom clears ``location_value`` unless it is sent.
    """
    current = await get(host_id, event_type_id)
    given = {
        key: value
        for key, value in msgspec.structs.asdict(data).items()
        if value is not msgspec.UNSET
    }
    state = {**msgspec.structs.asdict(current), **given}
    if "title" in given:
        state["title"] = _title(given["title"])
    if "slug" in given:
        _slug(given["slug"])
    range_given = "horizon_start" in given or "horizon_end" in given
    if "horizon_days" in given and not range_given and given["horizon_days"] is not None:
        state["horizon_start"] = state["horizon_end"] = None
    if range_given and "horizon_days" not in given:
        fixed = state["horizon_start"] is not None or state["horizon_end"] is not None
        state["horizon_days"] = None if fixed else (state["horizon_days"] or DEFAULT_HORIZON_DAYS)
    _check_horizon(state["horizon_days"], state["horizon_start"], state["horizon_end"])
    kind_only = "location_kind" in given and "location_value" not in given
    if kind_only and state["location_kind"] in ("none", "zoom"):
        state["location_value"] = ""
    state["location_value"] = _location(state["location_kind"], state["location_value"])
    if given.get("location_kind") == "zoom" and current.location_kind != "zoom":
        await _check_zoom(host_id, zoom_connected)
    if "schedule_id" in given:
        await _check_schedule(host_id, given["schedule_id"])
    if "activity_type_id" in given:
        await _check_activity_type(given["activity_type_id"])
    before = msgspec.structs.asdict(current)
    changed = {key: value for key, value in state.items() if before[key] != value}
    if not changed:
        return current
    values: dict[Column | str, Any] = {
        _COLUMNS.get(key, key): value for key, value in changed.items()
    }
    if not await repository.update(host_id, event_type_id, values):
        raise NotFound("No such event type.")
    return await get(host_id, event_type_id)


async def delete(host_id: int, event_type_id: int) -> None:
    """Delete an event type that has no bookings (those must keep it: hide it instead)."""
    await get(host_id, event_type_id)
    if await repository.has_bookings(event_type_id):
        raise Conflict(repository.HAS_BOOKINGS)
    if not await repository.delete(host_id, event_type_id):
        raise NotFound("No such event type.")


# ------------------------------------------------------------------ every problem at once


def _constraint(message: str) -> str:
    """A msgspec complaint about one field, as a sentence for a person."""
    text = message.split(" - at ", 1)[0]
    if found := re.search(r"of length >= (\d+)", text):
        count = int(found.group(1))
        return "must not be blank." if count == 1 else f"must have at least {count} characters."
    if found := re.search(r"of length <= (\d+)", text):
        return f"must have at most {found.group(1)} characters."
    if found := re.search(r"`int` >= (\d+)", text):
        return f"must be at least {found.group(1)}."
    if found := re.search(r"`int` <= (\d+)", text):
        return f"must be at most {found.group(1)}."
    if "got `null`" in text:
        return "is required."
    if "Expected `int" in text:
        return "must be a whole number."
    if "date" in text:
        return "must be a date like 2026-12-24."
    if "enum" in text:
        return "is not one of the choices."
    return text


#: Fields a new event type may leave None (EventTypeCreate fills them in).
_DEFAULTED_ON_CREATE = frozenset({"slug", "activity_type_id"})


async def problems(
    host_id: int,
    values: dict[str, Any],
    *,
    zoom_connected: ZoomConnected | None = None,
    current: EventType | None = None,
) -> dict[str, str]:
    """Every problem of a whole event type at once, field -> message: what a form
    shows next to each field (:func:`create` and :func:`update` stop at the first).

    ``values`` holds every field of :class:`EventTypeUpdate` as typed (strings where a
    number was expected are reported, not raised); on a new event type ``slug`` None
    means "derive it from the title" and ``activity_type_id`` None "the default".
    ``current`` is the event type being edited. The rules and messages are the ones
    :func:`create` and :func:`update` apply; the slug's uniqueness is only known when
    saving (:class:`AlreadyExists` on ``slug``).
    """
    found: dict[str, str] = {}
    valid: dict[str, Any] = {}
    for key, value in values.items():
        if key in _DEFAULTED_ON_CREATE and value is None and current is None:
            continue
        try:
            converted = msgspec.convert({key: value}, EventTypeUpdate)
        except msgspec.ValidationError as exc:
            found[key] = _constraint(str(exc))
        else:
            valid[key] = getattr(converted, key)

    def check(rule: Callable[[], object]) -> None:
        try:
            rule()
        except InvalidInput as exc:
            found.setdefault(exc.field, str(exc.extra["errors"][0]["message"]))

    if "title" in valid:
        check(lambda: _title(valid["title"]))
    if "slug" in valid:
        check(lambda: _slug(valid["slug"]))
    elif "title" in valid and "slug" not in found and current is None:
        check(lambda: _derived_slug(valid["title"]))
    horizon = ("horizon_days", "horizon_start", "horizon_end")
    if all(key in valid for key in horizon):
        check(lambda: _check_horizon(*(valid[key] for key in horizon)))
    if "location_kind" in valid and "location_value" in valid:
        check(lambda: _location(valid["location_kind"], valid["location_value"]))
    was_zoom = current is not None and current.location_kind == "zoom"
    rules: list[Awaitable[None]] = []
    if valid.get("location_kind") == "zoom" and not was_zoom:
        rules.append(_check_zoom(host_id, zoom_connected))
    if "schedule_id" in valid:
        rules.append(_check_schedule(host_id, valid["schedule_id"]))
    if valid.get("activity_type_id") is not None:
        rules.append(_check_activity_type(valid["activity_type_id"]))
    for rule in rules:
        try:
            await rule
        except InvalidInput as exc:
            found.setdefault(exc.field, str(exc.extra["errors"][0]["message"]))
    return found


async def has_bookings(host_id: int, event_type_id: int) -> bool:
    """Whether the event type has bookings (then it cannot be deleted, only hidden)."""
    await get(host_id, event_type_id)
    return await repository.has_bookings(event_type_id)
