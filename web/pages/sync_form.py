"""The sync settings form of the profile calendar settings page: what it shows for
saved settings, and the update a posted form asks for, with every bad field named at
once (the service stops at the first)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar.datastructures import FormMultiDict

from integrations.sync.schemas import BARRABLE, SyncSettings, SyncSettingsUpdate

__all__ = ["FormData", "SettingsForm", "form_of", "read_form"]

MODES = ("off", "one_way", "two_way")
GUESTS = ("create", "match")
WINNERS = ("calendar", "crm")
NOTIFY = ("failures", "summary", "none")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


#: A posted form.
FormData = FormMultiDict


@dataclass
class SettingsForm:
    """The form's fields as the page shows them: strings as typed, ticked boxes."""

    calendar_id: str
    mode: str
    meeting_type_id: str
    appointment_type_id: str
    push_type_ids: list[str]
    only_linked: bool
    days_back: str
    days_ahead: str
    #: YYYY-MM-DD in the host's zone.
    earliest: str
    barred: list[str]
    guests: str
    keep_calendar_body: bool
    winner: str
    auto: bool
    every_minutes: str
    active_from: str
    active_until: str
    notify: str
    errors: dict[str, str] = field(default_factory=dict)


def form_of(settings: SyncSettings, zone: ZoneInfo, type_ids: Collection[int]) -> SettingsForm:
    push = type_ids if settings.push_type_ids is None else settings.push_type_ids
    return SettingsForm(
        calendar_id="" if settings.calendar_id is None else str(settings.calendar_id),
        mode=settings.mode,
        meeting_type_id=str(settings.meeting_type_id),
        appointment_type_id=str(settings.appointment_type_id),
        push_type_ids=[str(t) for t in push],
        only_linked=settings.only_linked,
        days_back=str(settings.days_back),
        days_ahead=str(settings.days_ahead),
        earliest=settings.earliest.astimezone(zone).date().isoformat(),
        barred=list(settings.barred),
        guests=settings.guests,
        keep_calendar_body=settings.keep_calendar_body,
        winner=settings.winner,
        auto=settings.auto,
        every_minutes=str(settings.every_minutes),
        active_from=settings.active_from or "",
        active_until=settings.active_until or "",
        notify=settings.notify,
    )


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getall(name) if isinstance(v, str)] if name in form else []


def _whole(value: str, low: int, high: int) -> int | None:
    if not re.fullmatch(r"[0-9]{1,6}", value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def read_form(
    form: FormData,
    *,
    current: SyncSettings,
    zone: ZoneInfo,
    type_ids: Collection[int],
    calendar_ids: Collection[int],
) -> tuple[SettingsForm, SyncSettingsUpdate | None]:
    """The posted form as the page shows it again, and the update it asks for (None
    when any field is wrong: ``SettingsForm.errors`` names each, by field)."""
    typed = SettingsForm(
        calendar_id=_text(form, "calendar_id"),
        mode=_text(form, "mode"),
        meeting_type_id=_text(form, "meeting_type_id"),
        appointment_type_id=_text(form, "appointment_type_id"),
        push_type_ids=_texts(form, "push_type_ids"),
        only_linked="only_linked" in form,
        days_back=_text(form, "days_back"),
        days_ahead=_text(form, "days_ahead"),
        earliest=_text(form, "earliest"),
        barred=_texts(form, "barred"),
        guests=_text(form, "guests"),
        keep_calendar_body="keep_calendar_body" in form,
        winner=_text(form, "winner"),
        auto="auto" in form,
        every_minutes=_text(form, "every_minutes"),
        active_from=_text(form, "active_from")[:5],
        active_until=_text(form, "active_until")[:5],
        notify=_text(form, "notify"),
    )
    errors = typed.errors
    values: dict[str, Any] = {
        "only_linked": typed.only_linked,
        "keep_calendar_body": typed.keep_calendar_body,
        "auto": typed.auto,
    }

    if calendar_ids:
        chosen = _whole(typed.calendar_id, 1, 2**31 - 1)
        if chosen is None or chosen not in calendar_ids:
            errors["calendar_id"] = "Choose one of this account's calendars."
        else:
            values["calendar_id"] = chosen
    for name, allowed, message in (
        ("mode", MODES, "Choose off, one-way or two-way."),
        ("guests", GUESTS, "Choose whether guests become contacts or are only matched."),
        ("winner", WINNERS, "Choose which side wins."),
        ("notify", NOTIFY, "Choose when to be e-mailed."),
    ):
        if getattr(typed, name) not in allowed:
            errors[name] = message
        else:
            values[name] = getattr(typed, name)
    for name in ("meeting_type_id", "appointment_type_id"):
        type_id = _whole(getattr(typed, name), 1, 2**31 - 1)
        if type_id is None or type_id not in type_ids:
            errors[name] = "Choose one of the activity types."
        else:
            values[name] = type_id
    pushed = [_whole(v, 1, 2**31 - 1) for v in typed.push_type_ids]
    if any(t is None or t not in type_ids for t in pushed):
        errors["push_type_ids"] = "Tick activity types from the list."
    else:
        chosen_types = {t for t in pushed if t is not None}
        # Every type ticked means all of them, types added later included.
        values["push_type_ids"] = None if chosen_types >= set(type_ids) else sorted(chosen_types)
    for name, low, high in (("days_back", 0, 3650), ("days_ahead", 1, 3650)):
        days = _whole(getattr(typed, name), low, high)
        if days is None:
            errors[name] = f"A whole number of days from {low} to {high}."
        else:
            values[name] = days
    every = _whole(typed.every_minutes, 5, 1440)
    if every is None:
        errors["every_minutes"] = "A whole number of minutes from 5 to 1440."
    else:
        values["every_minutes"] = every
    try:
        earliest = date.fromisoformat(typed.earliest)
    except ValueError:
        errors["earliest"] = "A date, e.g. 2026-01-31."
    else:
        # An unchanged date keeps the exact moment (the account's first connection).
        if earliest != current.earliest.astimezone(zone).date():
            values["earliest"] = datetime.combine(earliest, time(0), tzinfo=zone)
    wrong = [b for b in typed.barred if b not in BARRABLE]
    if wrong:
        errors["barred"] = "Tick operations from the list."
    else:
        values["barred"] = [b for b in BARRABLE if b in typed.barred]
    for name in ("active_from", "active_until"):
        text = getattr(typed, name)
        if text and not _CLOCK.match(text):
            errors[name] = "A time of day, e.g. 08:00."
        else:
            values[name] = text or None
    if (
        "active_from" not in errors
        and "active_until" not in errors
        and bool(typed.active_from) != bool(typed.active_until)
    ):
        missing = "active_until" if typed.active_from else "active_from"
        errors[missing] = "Give both ends of the time-of-day range, or neither."
    if errors:
        return typed, None
    return typed, msgspec.convert(values, SyncSettingsUpdate, strict=False)
