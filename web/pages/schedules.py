"""The working hours pages: the host's schedules (the default marked), and a weekly
editor with several ranges a day plus date overrides, in the schedule's zone.

The editor is plain inputs: each day posts its ``{day}_start`` / ``{day}_end`` pairs
and each override row its date, kind, start and end, so it works without JavaScript
(one blank row per day to fill in; emptying a row removes it). schedules.js only adds
and removes rows. Every bad row is marked at once, with the schedules service's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from booking import validation
from booking.errors import DomainError, InvalidInput
from booking.hosts.schemas import Host
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, Schedule, ScheduleCreate, ScheduleUpdate
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.pages.zones import resolve_zone, zone_choices, zone_label

SCHEDULES_PATH = "/dashboard/schedules"
NEW_PATH = SCHEDULES_PATH + "/new"
SCHEDULE_PATH = SCHEDULES_PATH + "/{schedule_id:int}"

BOTH_TIMES = "Give both a start and an end."
OVERRIDE_TIMES = "Give a start and an end, or choose a day off."
OFF_AND_HOURS = "This date is marked as a day off in another row; remove one of them."


@dataclass(slots=True)
class RangeRow:
    start: str = ""
    end: str = ""
    error: str | None = None


@dataclass(slots=True)
class Day:
    key: str
    label: str
    rows: list[RangeRow]


@dataclass(slots=True)
class OverrideRow:
    day: str = ""
    #: "hours" (other hours that date) or "off" (a day off).
    kind: str = "hours"
    start: str = ""
    end: str = ""
    error: str | None = None


@dataclass(slots=True)
class Editor:
    """What the editor shows: the values as typed, and each field's problem."""

    name: str
    time_zone: str
    is_default: bool
    days: list[Day]
    overrides: list[OverrideRow]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors
            or any(row.error for day in self.days for row in day.rows)
            or any(row.error for row in self.overrides)
        )


def _split(text: str) -> RangeRow:
    start, _, end = text.partition("-")
    return RangeRow(start, end)


def _editor(schedule: Schedule) -> Editor:
    return Editor(
        name=schedule.name,
        time_zone=schedule.time_zone,
        is_default=schedule.is_default,
        days=[
            Day(day, day.title(), [_split(r) for r in schedule.weekly.get(day, [])])
            for day in WEEKDAYS
        ],
        overrides=[
            OverrideRow(day, "hours", *text.split("-", 1)) if text else OverrideRow(day, "off")
            for day, ranges in schedule.overrides.items()  # sorted by date
            for text in ranges or [""]
        ],
    )


def _blank(host: Host) -> Editor:
    return Editor(
        name="",
        time_zone=host.time_zone,
        is_default=False,
        days=[
            Day(
                day,
                day.title(),
                [RangeRow(*schedules.DEFAULT_HOURS[0].split("-"))] if i < 5 else [],
            )
            for i, day in enumerate(WEEKDAYS)
        ],
        overrides=[],
    )


def _read(form: FormMultiDict) -> Editor:
    """The editor as posted, every problem marked (nothing is saved here)."""
    editor = Editor(
        name=str(form.get("name", "")),
        time_zone=str(form.get("time_zone", "")).strip(),
        is_default=bool(form.get("is_default")),
        days=[],
        overrides=[],
    )
    if not editor.name.strip():
        editor.errors["name"] = "Give the schedule a name."
    elif len(editor.name.strip()) > 100:
        editor.errors["name"] = "Use at most 100 characters."
    try:
        validation.time_zone(editor.time_zone)
    except InvalidInput as exc:
        # A city typed without picking from the list: take it when it names one zone.
        if resolved := resolve_zone(editor.time_zone, datetime.now(UTC)):
            editor.time_zone = resolved
        else:
            editor.errors["time_zone"] = str(exc.extra["errors"][0]["message"])
    for day in WEEKDAYS:
        starts, ends = form.getall(f"{day}_start", []), form.getall(f"{day}_end", [])
        rows = [
            RangeRow(str(s).strip(), str(e).strip()) for s, e in zip(starts, ends, strict=False)
        ]
        rows = [row for row in rows if row.start or row.end]
        for row in rows:
            if not (row.start and row.end):
                row.error = BOTH_TIMES
        _mark([row for row in rows if row.error is None])
        editor.days.append(Day(day, day.title(), rows))
    editor.overrides = _read_overrides(form)
    return editor


def _read_overrides(form: FormMultiDict) -> list[OverrideRow]:
    overrides: list[OverrideRow] = []
    columns = ("override_date", "override_kind", "override_start", "override_end")
    for day, kind, start, end in zip(*(form.getall(c, []) for c in columns), strict=False):
        override = OverrideRow(str(day).strip(), str(kind), str(start).strip(), str(end).strip())
        if not override.day and not override.start and not override.end:
            continue  # a blank row
        if override.kind == "off":
            override.start = override.end = ""
        overrides.append(override)
        if not override.day:
            override.error = "Give the date."
        elif problem := schedules.override_date_problem(override.day):
            override.error = problem
        elif override.kind != "off" and not (override.start and override.end):
            override.error = OVERRIDE_TIMES
    for day in sorted({o.day for o in overrides if o.error is None}):
        same = [o for o in overrides if o.day == day and o.error is None]
        if any(o.kind == "off" for o in same) and len(same) > 1:
            for override in same[1:]:
                override.error = OFF_AND_HOURS
        elif same[0].kind != "off":
            _mark(same)
    return overrides


def _mark(rows: list[RangeRow] | list[OverrideRow]) -> None:
    """Put the schedules service's verdict on each range of one day on its row."""
    for index, problem in schedules.range_problems([f"{r.start}-{r.end}" for r in rows]).items():
        rows[index].error = problem


def _hours(editor: Editor) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    weekly = {day.key: [f"{r.start}-{r.end}" for r in day.rows] for day in editor.days}
    overrides: dict[str, list[str]] = {}
    for row in editor.overrides:
        ranges = overrides.setdefault(row.day, [])
        if row.kind != "off":
            ranges.append(f"{row.start}-{row.end}")
    return weekly, overrides


async def _editor_page(
    host: Host,
    editor: Editor,
    *,
    schedule_id: int | None = None,
    error: str | None = None,
    saved: str | None = None,
    status: int = 200,
) -> Template:
    return Template(
        "schedules/edit.html",
        context={
            "host": host,
            "editor": editor,
            "schedule_id": schedule_id,
            "zones": zone_choices(datetime.now(UTC)),
            "error": error,
            "saved": saved,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get(SCHEDULES_PATH, guards=[require_session], include_in_schema=False)
async def schedules_page(host: NamedDependency[Host]) -> Template:
    listed = await schedules.list_for_host(host.id)
    if not listed:
        listed = [await schedules.get_default(host.id)]
    return Template(
        "schedules/index.html",
        context={
            "host": host,
            "schedules": listed,
            "weekdays": WEEKDAYS,
            "zone_label": partial(zone_label, now=datetime.now(UTC)),
            "reconnect": await reconnect_banner(host.id),
        },
    )


@get(NEW_PATH, guards=[require_session], include_in_schema=False)
async def new_schedule_page(host: NamedDependency[Host]) -> Template:
    return await _editor_page(host, _blank(host))


@post(SCHEDULES_PATH, guards=[require_session], include_in_schema=False, status_code=303)
async def create_schedule(
    host: NamedDependency[Host], request: Request[Any, Any, Any]
) -> Template | Redirect:
    editor = _read(await request.form())
    if editor.has_errors:
        return await _editor_page(host, editor, error=_summary(editor), status=422)
    weekly, overrides = _hours(editor)
    try:
        made = await schedules.create(
            host.id,
            ScheduleCreate(
                name=editor.name,
                time_zone=editor.time_zone,
                weekly=weekly,
                overrides=overrides,
                is_default=editor.is_default,
            ),
        )
    except (DomainError, msgspec.ValidationError) as exc:
        return await _editor_page(host, editor, error=_detail(exc), status=_status(exc))
    return Redirect(f"{SCHEDULES_PATH}/{made.id}?saved=1", status_code=303)


@get(SCHEDULE_PATH, guards=[require_session], include_in_schema=False)
async def schedule_page(
    host: NamedDependency[Host], schedule_id: FromPath[int], saved: FromQuery[str] = ""
) -> Template:
    schedule = await schedules.get(host.id, schedule_id)
    return await _editor_page(
        host,
        _editor(schedule),
        schedule_id=schedule_id,
        saved=f"Saved {schedule.name}." if saved else None,
    )


@post(SCHEDULE_PATH, guards=[require_session], include_in_schema=False, status_code=303)
async def save_schedule(
    host: NamedDependency[Host], schedule_id: FromPath[int], request: Request[Any, Any, Any]
) -> Template | Redirect:
    current = await schedules.get(host.id, schedule_id)
    editor = _read(await request.form())
    if current.is_default:
        editor.is_default = True  # the checkbox is shown ticked and disabled
    if editor.has_errors:
        return await _editor_page(
            host, editor, schedule_id=schedule_id, error=_summary(editor), status=422
        )
    weekly, overrides = _hours(editor)
    try:
        await schedules.update(
            host.id,
            schedule_id,
            ScheduleUpdate(
                name=editor.name,
                time_zone=editor.time_zone,
                weekly=weekly,
                overrides=overrides,
                is_default=editor.is_default,
            ),
        )
    except (DomainError, msgspec.ValidationError) as exc:
        return await _editor_page(
            host, editor, schedule_id=schedule_id, error=_detail(exc), status=_status(exc)
        )
    return Redirect(f"{SCHEDULES_PATH}/{schedule_id}?saved=1", status_code=303)


@post(SCHEDULE_PATH + "/delete", guards=[require_session], include_in_schema=False)
async def delete_schedule(
    host: NamedDependency[Host], schedule_id: FromPath[int]
) -> Template | Redirect:
    try:
        await schedules.delete(host.id, schedule_id)
    except DomainError as exc:
        schedule = await schedules.get(host.id, schedule_id)
        return await _editor_page(
            host, _editor(schedule), schedule_id=schedule_id, error=exc.detail, status=409
        )
    return Redirect(SCHEDULES_PATH, status_code=303)


def _summary(editor: Editor) -> str:
    rows = sum(1 for d in editor.days for r in d.rows if r.error)
    rows += sum(1 for r in editor.overrides if r.error)
    count = rows + len(editor.errors)
    return f"Nothing was saved: {count} {'field needs' if count == 1 else 'fields need'} fixing."


def _detail(exc: DomainError | msgspec.ValidationError) -> str:
    return exc.detail if isinstance(exc, DomainError) else str(exc)


def _status(exc: DomainError | msgspec.ValidationError) -> int:
    return exc.status_code if isinstance(exc, DomainError) else 422


router = Router(
    path="/",
    route_handlers=[
        schedules_page,
        new_schedule_page,
        create_schedule,
        schedule_page,
        save_schedule,
        delete_schedule,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
