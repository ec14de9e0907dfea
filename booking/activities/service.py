"""Rules for activities: owned by a host, typed, with guests who are contacts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.activities import repository
from booking.activities.records import ActivityRecord, Attendee
from booking.activities.schemas import (
    Activity,
    ActivityCreate,
    ActivityType,
    ActivityTypeCreate,
    ActivityTypeUpdate,
    ActivityUpdate,
    GuestResolution,
)
from booking.contacts import service as contacts
from booking.contacts.matching import GuestMatch
from booking.db import is_foreign_key_violation
from booking.errors import AlreadyExists, Conflict, InvalidInput, NotFound

DEFAULT_TYPE = "Meeting"
#: The fields a calendar event and its activity share (integrations.sync.items.EventFields):
#: read-only in the CRM while someone other than the host organises the event.
SYNCED_FIELDS = (
    "title", "start", "end", "all_day", "location", "description", "guests", "show_as",
    "private",
)  # fmt: skip


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput(field, "include a UTC offset, e.g. 2026-03-01T09:00:00Z.")
    return validation.in_years(value, field).astimezone(UTC)


async def types() -> list[ActivityType]:
    return msgspec.convert(await repository.types(), list[ActivityType], from_attributes=True)


def _type_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("name", "must not be blank.")
    return cleaned


async def _check_name_free(name: str, type_id: int | None = None) -> None:
    # Case-insensitive, in Python: SQLite's lower() folds ASCII only. The unique index
    # on the exact name stays as the backstop against a concurrent twin.
    key = name.casefold()
    for row in await repository.types():
        if row.id != type_id and row.name.casefold() == key:
            raise AlreadyExists("name", f"The activity type {row.name!r} already exists.")


async def get_type(type_id: int) -> ActivityType:
    row = await repository.type_by_id(type_id)
    if row is None:
        raise NotFound("No such activity type.")
    return msgspec.convert(row, ActivityType, from_attributes=True)


async def create_type(data: ActivityTypeCreate) -> ActivityType:
    """A new activity type for the whole team (types are shared, like contacts)."""
    name = _type_name(data.name)
    await _check_name_free(name)
    return await get_type(await repository.insert_type(name, data.colour.lower()))


async def update_type(type_id: int, data: ActivityTypeUpdate) -> ActivityType:
    """Rename or recolour a type; every activity of the type shows the change."""
    await get_type(type_id)
    values: dict[Column | str, Any] = {}
    if data.name is not msgspec.UNSET:
        values["name"] = _type_name(data.name)
        await _check_name_free(values["name"], type_id)
    if data.colour is not msgspec.UNSET:
        values["colour"] = data.colour.lower()
    if values and not await repository.update_type(type_id, values):
        raise NotFound("No such activity type.")
    return await get_type(type_id)


async def delete_type(type_id: int) -> None:
    """Remove a type nothing uses; one in use answers :class:`Conflict` saying by what."""
    current = await get_type(type_id)
    activities, event_types = await repository.type_uses(type_id)
    if activities or event_types:
        uses = [
            f"{n} {one if n == 1 else many}"
            for n, one, many in (
                (activities, "activity", "activities"),
                (event_types, "event type", "event types"),
            )
            if n
        ]
        raise Conflict(
            f"The activity type {current.name!r} is in use by {' and '.join(uses)}; "
            "move them to another type first.",
            extra={"activities": activities, "event_types": event_types},
        )
    try:
        await repository.delete_type(type_id)
    except Exception as exc:  # a use committed between the count and the delete
        if not is_foreign_key_violation(exc):
            raise
        raise Conflict(f"The activity type {current.name!r} is in use.") from exc


async def resolve_type(type_id: int | None, field: str = "activity_type_id") -> int:
    if type_id is None:
        # Meeting by default; once renamed or removed (types are editable), the oldest type.
        row = await repository.type_by_name(DEFAULT_TYPE)
        if row is None:
            row = next(iter(await repository.types()), None)
        if row is None:
            raise InvalidInput(field, "required: there are no activity types.")
        return row.id
    row = await repository.type_by_id(type_id)
    if row is None:
        raise InvalidInput(field, f"no activity type with id {type_id}.")
    return row.id


async def link_guests(
    owner_id: int, emails: list[str], *, create_missing: bool = True
) -> tuple[list[int], list[str]]:
    """The contacts of the guests, and the addresses that matched several contacts.

    Guests new to the team become contacts of the activity's owner (unless
    ``create_missing`` is off: then they stay attendees only); an address that
    several contacts share is never guessed between (the activity needs attention).
    """
    matches = await contacts.link_guests_many(
        emails, owner_id=owner_id, create_missing=create_missing
    )
    return _matched(emails, matches)


def _matched(emails: list[str], matches: Mapping[str, GuestMatch]) -> tuple[list[int], list[str]]:
    """``emails``' contacts (one match each) and the addresses several contacts share."""
    ids: list[int] = []
    ambiguous: list[str] = []
    for email in emails:
        match = matches[email]
        if match.contact_id is not None:
            ids.append(match.contact_id)
        elif match.kind == "several" and match.email.casefold() not in {
            a.casefold() for a in ambiguous
        }:
            ambiguous.append(match.email)
    return ids, ambiguous


async def relink_guests(
    owner_id: int, activity_id: int, emails: list[str], *, create_missing: bool = True
) -> None:
    """Make the activity's contact guests those of ``emails``. A contact already linked
    for an address stays (the host may have chosen it among several sharing it); the
    other addresses are matched, and those matching several wait for the host."""
    await relink_guests_many(owner_id, [(activity_id, emails)], create_missing=create_missing)


async def relink_guests_many(
    owner_id: int, wanted: Sequence[tuple[int, list[str]]], *, create_missing: bool = True
) -> None:
    """:func:`relink_guests` for each ``(activity id, emails)`` in turn, in a few
    statements however many there are (a calendar import relinks a thousand)."""
    if len({activity_id for activity_id, _ in wanted}) != len(wanted):
        raise ValueError("an activity is relinked twice in one call")
    kept = await repository.guest_links_many([activity_id for activity_id, _ in wanted])
    split: list[tuple[int, list[int], list[str]]] = []
    for activity_id, emails in wanted:
        links = kept.get(activity_id, {})
        ids: list[int] = []
        fresh: list[str] = []
        for email in emails:
            contact_id = links.get(validation.email_key(email))
            if contact_id is None:
                fresh.append(email)
            else:
                ids.append(contact_id)
        split.append((activity_id, ids, fresh))
    matches = await contacts.link_guests_many(
        [email for _, _, fresh in split for email in fresh],
        owner_id=owner_id,
        create_missing=create_missing,
    )
    guests: dict[int, list[int]] = {}
    ambiguous: dict[int, list[str]] = {}
    for activity_id, ids, fresh in split:
        matched, unsure = _matched(fresh, matches)
        guests[activity_id] = [*ids, *matched]
        ambiguous[activity_id] = unsure
    await repository.set_guests_many(guests)
    await repository.set_ambiguous_many(ambiguous)


def attendees_of(emails: list[str], previous: list[Attendee] | None = None) -> list[Attendee]:
    """The attendees for guests given by address: one per address (ignoring case),
    keeping the response an attendee already gave."""
    known = {validation.email_key(a.email): a for a in previous or []}
    out: dict[str, Attendee] = {}
    for email in emails:
        key = validation.email_key(email)
        if key and key not in out:
            out[key] = known.get(key) or Attendee(email=email.strip())
    return list(out.values())


async def _contact_emails(contact_ids: list[int]) -> list[str]:
    found = {c.id: c.email for c in await contacts.get_many(contact_ids)} if contact_ids else {}
    return [found[c] for c in contact_ids if c in found]


async def create(
    owner_id: int,
    data: ActivityCreate,
    *,
    guest_contact_ids: list[int] | None = None,
    ambiguous_guests: list[str] | None = None,
) -> Activity:
    """Create an activity. ``guest_contact_ids`` and ``ambiguous_guests`` let callers
    that matched contacts already (a booking, see :func:`link_guests`) skip matching
    them again."""
    start, end = _aware(data.start, "start"), _aware(data.end, "end")
    if end <= start:
        raise InvalidInput("end", "must be after start.")
    activity_id = await repository.insert(
        {
            "owner": owner_id,
            "activity_type": await resolve_type(data.activity_type_id),
            "title": data.title.strip(),
            "description": data.description,
            "start_at": start,
            "end_at": end,
            "all_day": data.all_day,
            "location": data.location.strip(),
            "show_as": data.show_as,
            "private": data.private,
        }
    )
    if guest_contact_ids is not None:
        ids, ambiguous = guest_contact_ids, ambiguous_guests or []
        emails = [*data.guests, *await _contact_emails(ids), *ambiguous]
    else:
        ids, ambiguous = await link_guests(owner_id, data.guests)
        emails = data.guests
    await repository.set_attendees(activity_id, attendees_of(emails))
    await repository.set_guests(activity_id, ids)
    if ambiguous:
        await repository.set_ambiguous(activity_id, ambiguous)
    return await get(owner_id, activity_id)


async def _record(owner_id: int, activity_id: int, *, include_trashed: bool) -> ActivityRecord:
    row = await repository.by_id(activity_id)
    if row is None or row.owner_id != owner_id:
        raise NotFound("No such activity.")
    if row.trashed_at is not None and not include_trashed:
        # In the trash because its calendar event left the calendar: as good as gone
        # until the event comes back (the calendar sync restores it).
        raise NotFound("No such activity.")
    return row


async def get(owner_id: int, activity_id: int, *, include_trashed: bool = False) -> Activity:
    row = await _record(owner_id, activity_id, include_trashed=include_trashed)
    return msgspec.convert(row, Activity, from_attributes=True)


async def list_for(
    owner_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    completed: bool | None = None,
    needs_attention: bool | None = None,
) -> list[Activity]:
    for value, name in ((start, "from"), (end, "to")):
        if value is not None:
            validation.in_years(value, name)
    rows = await repository.for_owner(owner_id, start, end, completed, needs_attention)
    return msgspec.convert(rows, list[Activity], from_attributes=True)


def _edited_synced_fields(current: ActivityRecord, data: ActivityUpdate) -> list[str]:
    """The synced fields ``data`` would change (sending an unchanged value is no edit)."""
    edited = []
    for name in SYNCED_FIELDS:
        value = getattr(data, name)
        if value is msgspec.UNSET:
            continue
        if name == "guests":
            now = {validation.email_key(a.email) for a in current.attendees}
            if {validation.email_key(e) for e in value} != now:
                edited.append(name)
        elif name in ("start", "end"):
            if value.tzinfo is None or value != getattr(current, name):
                edited.append(name)
        elif value != getattr(current, name):
            edited.append(name)
    return edited


async def update(
    owner_id: int, activity_id: int, data: ActivityUpdate, *, include_trashed: bool = False
) -> Activity:
    """Change an activity. One whose calendar event someone else organises keeps its
    synced fields (:data:`SYNCED_FIELDS`): they must be changed in the calendar."""
    current = await _record(owner_id, activity_id, include_trashed=include_trashed)
    if current.organiser:
        edited = _edited_synced_fields(current, data)
        if edited:
            raise Conflict(
                f"This activity is organised by {current.organiser} in the calendar;"
                f" change {', '.join(edited)} there.",
                extra={"organiser": current.organiser, "fields": edited},
            )
    values: dict[Column | str, Any] = {}
    if data.title is not msgspec.UNSET:
        values["title"] = data.title.strip()
    if data.description is not msgspec.UNSET:
        values["description"] = data.description
    if data.all_day is not msgspec.UNSET:
        values["all_day"] = data.all_day
    if data.completed is not msgspec.UNSET:
        values["completed"] = data.completed
    if data.activity_type_id is not msgspec.UNSET:
        values["activity_type"] = await resolve_type(data.activity_type_id)
    if data.location is not msgspec.UNSET:
        values["location"] = data.location.strip()
    if data.show_as is not msgspec.UNSET:
        values["show_as"] = data.show_as
    if data.private is not msgspec.UNSET:
        values["private"] = data.private
    start = current.start if data.start is msgspec.UNSET else _aware(data.start, "start")
    end = current.end if data.end is msgspec.UNSET else _aware(data.end, "end")
    if end <= start:
        raise InvalidInput("end", "must be after start.")
    values.update({"start_at": start, "end_at": end, "updated_at": datetime.now(UTC)})
    await repository.update(activity_id, values)
    if data.guests is not msgspec.UNSET:
        await repository.set_attendees(activity_id, attendees_of(data.guests, current.attendees))
        await relink_guests(owner_id, activity_id, data.guests)
    return await get(owner_id, activity_id, include_trashed=include_trashed)


async def resolve_guest(owner_id: int, activity_id: int, data: GuestResolution) -> Activity:
    """The host says which contact an ambiguous guest is: it becomes a guest of the
    activity, and the activity needs no more attention once no guest is ambiguous."""
    current = await get(owner_id, activity_id)
    key = validation.email_key(data.email)
    waiting = [a for a in current.ambiguous_guests if validation.email_key(a) == key]
    if not waiting:
        raise InvalidInput("email", "is not an unresolved guest of this activity.")
    try:
        contact = await contacts.get(data.contact_id)
    except NotFound:
        raise InvalidInput("contact_id", "no such contact.") from None
    if validation.email_key(contact.email) != key:
        raise InvalidInput("contact_id", f"that contact's address is not {waiting[0]}.")
    await repository.add_guest(activity_id, contact.id)
    await repository.set_ambiguous(
        activity_id, [a for a in current.ambiguous_guests if validation.email_key(a) != key]
    )
    await repository.link_booking_contact(activity_id, key, contact.id)
    return await get(owner_id, activity_id)


async def delete(owner_id: int, activity_id: int, *, include_trashed: bool = False) -> None:
    """Delete an activity; ``include_trashed`` also one in the trash (a cancelled
    booking's activity goes whatever the calendar did to it)."""
    await _record(owner_id, activity_id, include_trashed=include_trashed)
    await repository.delete(activity_id)


async def busy_intervals(
    owner_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
) -> list[tuple[datetime, datetime]]:
    """What blocks a host's time: the owner's activities that :func:`rules.blocks_time`."""
    return [
        (r.start_at, r.end_at)
        for r in await repository.busy_intervals(owner_id, start, end, exclude_id)
    ]
