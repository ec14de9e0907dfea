"""Rules for schedules: validation of working hours, the one default per host.

Ranges are ``"HH:MM-HH:MM"`` local wall-clock times in the schedule's zone; ``24:00``
may end a range, and a range never crosses midnight. Overlapping ranges of one day
are refused (naming the later one) rather than merged, so what a host stores is what
they sent: silently merging would hide a typo such as ``09:00-17:00`` + ``12:00-13:00``
meant as a lunch break. Touching ranges (``09:00-12:00`` + ``12:00-17:00``) are fine;
the engine joins them. Ranges are stored sorted and re-formatted as ``HH:MM``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec
from piccolo.columns import Column

import availability
from booking import validation
from booking.errors import Conflict, InvalidInput, NotFound
from booking.hosts import repository as hosts_repository
from booking.schedules import repository
from booking.schedules.schemas import WEEKDAYS, Schedule, ScheduleCreate, ScheduleUpdate

if TYPE_CHECKING:
    from booking.event_types.schemas import EventType

DEFAULT_NAME = "Working hours"
DEFAULT_HOURS = ["09:00-17:00"]

_RANGE_RE = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _ranges(field: str, values: list[str]) -> list[str]:
    """Validate one day's ranges; return them sorted and canonically formatted."""
    spans: list[tuple[int, int, int]] = []
    for index, text in enumerate(values):
        where = f"{field}[{index}]"
        match = _RANGE_RE.fullmatch(text.strip())
        if match is None:
            raise InvalidInput(where, f"'{text}' is not a time range like 09:00-17:00.")
        sh, sm, eh, em = (int(part) for part in match.groups())
        if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em):
            raise InvalidInput(
                where, f"'{text}' holds an impossible time; use 00:00-23:59, or 24:00 as an end."
            )
        start, end = sh * 60 + sm, eh * 60 + em
        if end <= start:
            raise InvalidInput(
                where,
                f"'{text}' does not end after it starts; a range cannot cross midnight "
                "(end the first part at 24:00 and start the next day at 00:00).",
            )
        spans.append((start, end, index))
    spans.sort()
    latest: tuple[int, int] | None = None  # (end, index) of the range reaching furthest
    for start, end, index in spans:
        if latest is not None and start < latest[0]:
            raise InvalidInput(
                f"{field}[{index}]",
                f"'{values[index]}' overlaps '{values[latest[1]]}'; ranges of a day must not "
                "overlap.",
            )
        if latest is None or end > latest[0]:
            latest = (end, index)
    return [f"{_hhmm(start)}-{_hhmm(end)}" for start, end, _ in spans]


def range_problems(values: list[str]) -> dict[int, str]:
    """Every problem of one day's ranges at once, by index (the page marks each row),
    with the same rules and messages as :func:`create` and :func:`update`, which stop
    at the first."""
    problems: dict[int, str] = {}
    valid: list[int] = []
    for index, text in enumerate(values):
        try:
            _ranges("range", [text])
        except InvalidInput as exc:
            problems[index] = str(exc.extra["errors"][0]["message"])
        else:
            valid.append(index)
    # Overlaps among the well-formed ones: each range against every earlier row, so
    # every row that overlaps one above it is marked.
    for position, index in enumerate(valid):
        for earlier in valid[:position]:
            try:
                _ranges("range", [values[earlier], values[index]])
            except InvalidInput as exc:
                problems[index] = str(exc.extra["errors"][0]["message"])
                break
    return problems


def override_date_problem(key: str) -> str | None:
    """What is wrong with an override's date, or None (the rules of :func:`create`)."""
    try:
        _overrides({key: []})
    except InvalidInput as exc:
        return str(exc.extra["errors"][0]["message"])
    return None


def _weekly(weekly: dict[str, list[str]]) -> dict[str, list[str]]:
    for key in weekly:
        if key not in WEEKDAYS:
            raise InvalidInput(
                f"weekly.{key}", f"'{key}' is not a weekday; use monday, tuesday, ... sunday."
            )
    return {day: _ranges(f"weekly.{day}", weekly.get(day, [])) for day in WEEKDAYS}


def _overrides(overrides: dict[str, list[str]]) -> dict[str, list[str]]:
    checked: dict[str, list[str]] = {}
    for key, ranges in overrides.items():
        try:
            if not _DATE_RE.fullmatch(key):
                raise ValueError(key)
            day = date.fromisoformat(key)
        except ValueError:
            raise InvalidInput(
                f"overrides.{key}", f"'{key}' is not a date like 2026-12-24."
            ) from None
        validation.in_years(day, f"overrides.{key}")
        checked[key] = _ranges(f"overrides.{key}", ranges)
    return dict(sorted(checked.items()))


def engine_schedule(
    time_zone: str, weekly: dict[str, list[str]], overrides: dict[str, list[str]]
) -> availability.Schedule:
    """The availability engine's view of stored working hours (weekday 0 = Monday)."""
    try:
        return availability.Schedule(
            time_zone,
            {index: weekly.get(day, []) for index, day in enumerate(WEEKDAYS)},
            {date.fromisoformat(day): ranges for day, ranges in overrides.items()},
        )
    except availability.InvalidInputError as exc:
        # Our own checks run first, so this only fires if the engine's rules grow stricter.
        raise InvalidInput("weekly", str(exc)) from exc


def to_engine(schedule: Schedule) -> availability.Schedule:
    """The availability engine's view of a schedule (weekday 0 = Monday, dates as dates)."""
    return engine_schedule(schedule.time_zone, schedule.weekly, schedule.overrides)


async def list_for_host(host_id: int) -> list[Schedule]:
    """The host's schedules, the default first, then by name."""
    return msgspec.convert(await repository.for_host(host_id), list[Schedule], from_attributes=True)


async def get(host_id: int, schedule_id: int) -> Schedule:
    """One of the host's schedules; another host's is :class:`NotFound` too."""
    row = await repository.by_id(host_id, schedule_id)
    if row is None:
        raise NotFound("No such schedule.")
    return msgspec.convert(row, Schedule, from_attributes=True)


async def create(host_id: int, data: ScheduleCreate) -> Schedule:
    """Create a schedule; ``is_default`` moves the default flag here in one transaction."""
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", "must not be blank.")
    time_zone = validation.time_zone(data.time_zone)
    weekly = _weekly(data.weekly)
    overrides = _overrides(data.overrides)
    engine_schedule(time_zone, weekly, overrides)
    row = await repository.insert(
        {
            "host": host_id,
            "name": name,
            "time_zone": time_zone,
            "is_default": data.is_default,
            "weekly": weekly,
            "overrides": overrides,
        }
    )
    return msgspec.convert(row, Schedule, from_attributes=True)


async def create_default(host_id: int, time_zone: str) -> Schedule:
    """Create the host's default schedule: Monday to Friday, 09:00-17:00 in ``time_zone``."""
    weekly = {day: DEFAULT_HOURS if index < 5 else [] for index, day in enumerate(WEEKDAYS)}
    return await create(
        host_id,
        ScheduleCreate(name=DEFAULT_NAME, time_zone=time_zone, weekly=weekly, is_default=True),
    )


async def update(host_id: int, schedule_id: int, data: ScheduleUpdate) -> Schedule:
    """Change a schedule. ``weekly`` and ``overrides`` are replaced whole.

    ``is_default: true`` clears the flag on the host's other schedules in the same
    transaction; ``is_default: false`` on the default is refused, because a host always
    has one default (make another schedule the default instead).
    """
    current = await get(host_id, schedule_id)
    values: dict[Column | str, Any] = {}
    if data.name is not msgspec.UNSET:
        values["name"] = data.name.strip()
        if not values["name"]:
            raise InvalidInput("name", "must not be blank.")
    time_zone = current.time_zone
    if data.time_zone is not msgspec.UNSET:
        time_zone = values["time_zone"] = validation.time_zone(data.time_zone)
    weekly = current.weekly
    if data.weekly is not msgspec.UNSET:
        weekly = values["weekly"] = _weekly(data.weekly)
    overrides = current.overrides
    if data.overrides is not msgspec.UNSET:
        overrides = values["overrides"] = _overrides(data.overrides)
    if data.is_default is not msgspec.UNSET and data.is_default != current.is_default:
        if not data.is_default:
            raise InvalidInput(
                "is_default",
                "A host always has one default schedule; make another schedule the default "
                "instead.",
            )
        values["is_default"] = True
    if not values:
        return current
    engine_schedule(time_zone, weekly, overrides)
    row = await repository.update(host_id, schedule_id, values)
    if row is None:
        raise NotFound("No such schedule.")
    return msgspec.convert(row, Schedule, from_attributes=True)


async def delete(host_id: int, schedule_id: int) -> None:
    """Delete a schedule; event types that used it fall back to the host's default."""
    current = await get(host_id, schedule_id)
    refused = Conflict(
        "The default schedule cannot be deleted; make another schedule the default first."
    )
    if current.is_default:
        raise refused
    if not await repository.delete(host_id, schedule_id):
        # Made the default (or deleted) since we looked.
        if await repository.by_id(host_id, schedule_id) is None:
            raise NotFound("No such schedule.")
        raise refused


async def get_default(host_id: int) -> Schedule:
    """The host's default schedule.

    Hosts created before schedules existed have none; they get the standard one here,
    in their own zone, so every host can be booked without a manual step.
    """
    row = await repository.default_for(host_id)
    if row is not None:
        return msgspec.convert(row, Schedule, from_attributes=True)
    host = await hosts_repository.by_id(host_id)
    if host is None:
        raise NotFound("No such host.")
    return await create_default(host_id, host.time_zone)


async def for_event_type(host_id: int, event_type: EventType) -> availability.Schedule:
    """The working hours an event type is booked against, ready for the engine.

    That is the event type's own schedule, or the host's default when it has none
    (``schedule_id`` null, also after its schedule was deleted).
    """
    schedule: Schedule | None = None
    if event_type.schedule_id is not None:
        row = await repository.by_id(host_id, event_type.schedule_id)
        schedule = None if row is None else msgspec.convert(row, Schedule, from_attributes=True)
    if schedule is None:
        schedule = await get_default(host_id)
    return to_engine(schedule)
