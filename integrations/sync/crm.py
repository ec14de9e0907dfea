"""The CRM side of calendar sync: the host's activities as the planner sees them, and
the writes a plan makes to them.

Every function runs inside the transaction the sync engine opens for a batch (the
status rows commit with the CRM writes), so none opens one of its own. Each write
returns the activity as the database now holds it, which is what the status row must
record (``status.new_status`` / ``advance``).

Unlike the REST API, the sync may write an activity whose event someone else
organises: the calendar is where such an event changes, and this is how the change
arrives.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.activities import repository
from booking.activities import service as activities
from booking.activities.records import Attendee, SyncedActivity
from booking.errors import InvalidInput, NotFound
from booking.hosts import service as hosts
from integrations.sync.actions import CreateActivity
from integrations.sync.items import FIELD_NAMES, ActivityItem, EventFields, Guest
from integrations.sync.policy import Scope

__all__ = [
    "GuestPolicy",
    "NewActivity",
    "create",
    "create_many",
    "exists",
    "get",
    "load",
    "restore",
    "set_organiser",
    "trash",
    "update",
    "update_many",
]

#: "create": guests new to the team become contacts (two-way); "match": guests are
#: linked to the contacts that exist, the others stay attendees only.
GuestPolicy = Literal["create", "match"]

# Column limits (booking/activities/tables.py): a calendar allows longer values.
_TITLE_MAX = 500
_SERIES_MAX = 1024
_ORGANISER_MAX = 320


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _guests(attendees: Iterable[Attendee]) -> tuple[Guest, ...]:
    found = (Guest(email=a.email, response=a.response) for a in attendees)
    return tuple(sorted(found, key=lambda g: (g.email.casefold(), g.email, g.response)))


def _item(row: SyncedActivity, linked: Collection[int]) -> ActivityItem:
    return ActivityItem(
        id=row.id,
        owner_id=row.owner_id,
        type_id=row.type_id,
        fields=EventFields(
            title=row.title,
            start=_utc(row.start),
            end=_utc(row.end),
            all_day=row.all_day,
            location=row.location,
            description=row.description,
            guests=_guests(row.attendees),
            show_as=row.show_as,
            private=row.private,
        ),
        completed=row.completed,
        linked_to_record=row.id in linked,
        trashed=row.trashed_at is not None,
    )


async def get(activity_id: int) -> ActivityItem | None:
    """The activity (in the trash or not) as the planner sees it; None once deleted."""
    row = await repository.synced(activity_id)
    if row is None:
        return None
    return _item(row, await repository.linked_to_record(row.owner_id, activity_id))


async def _reload(activity_id: int) -> ActivityItem:
    item = await get(activity_id)
    if item is None:
        raise NotFound("No such activity.")
    return item


async def load(host_id: int, scope: Scope, linked_ids: Collection[int]) -> list[ActivityItem]:
    """The host's activities starting in ``scope`` and those of ``linked_ids`` (the
    status rows' activities) wherever they start, trashed ones included."""
    rows = await repository.for_sync(host_id, scope.start, scope.end, sorted(set(linked_ids)))
    linked = await repository.linked_to_record(host_id) if rows else set()
    return [_item(row, linked) for row in rows]


def _values(fields: EventFields, names: Collection[str]) -> dict[Column | str, Any]:
    """The columns of the ``names`` fields: the guests' are the attendees exactly as the
    calendar has them (their contact links are written apart, :func:`_link_guests`)."""
    every: dict[str, tuple[str, object]] = {
        "title": ("title", fields.title.strip()[:_TITLE_MAX]),
        "start": ("start_at", _utc(fields.start)),
        "end": ("end_at", _utc(fields.end)),
        "all_day": ("all_day", fields.all_day),
        "location": ("location", fields.location),
        "description": ("description", fields.description),
        "guests": ("attendees", _attendees(fields.guests)),
        "show_as": ("show_as", fields.show_as),
        "private": ("private", fields.private),
    }
    return {column: value for name, (column, value) in every.items() if name in names}


def _attendees(guests: Iterable[Guest]) -> str:
    """The attendees column (JSON) of these guests."""
    return msgspec.json.encode(
        [Attendee(email=g.email, response=g.response) for g in guests]
    ).decode()


async def _own_key(host_id: int) -> str:
    return validation.email_key((await hosts.get(host_id)).email)


def _contact_addresses(guests: Iterable[Guest], own: str) -> list[str]:
    """The guests to link to contacts: those with a valid address other than the host's
    own (the host is no guest of their meeting)."""
    emails = []
    for guest in guests:
        if validation.email_key(guest.email) == own:
            continue
        try:
            validation.email(guest.email)
        except InvalidInput:
            continue  # a calendar may hold an address no contact could have
        emails.append(guest.email)
    return emails


async def _link_guests(
    host_id: int, guests: Sequence[tuple[int, tuple[Guest, ...]]], policy: GuestPolicy
) -> None:
    """Link each activity's guests ``(activity id, guests)`` to contacts, all at once."""
    if not guests:
        return
    own = await _own_key(host_id)
    await activities.relink_guests_many(
        host_id,
        [(activity_id, _contact_addresses(found, own)) for activity_id, found in guests],
        create_missing=policy == "create",
    )


class NewActivity(NamedTuple):
    """One activity :func:`create_many` makes: the plan's action and the event's
    organiser when not the host ("" when the host organises it)."""

    action: CreateActivity
    organiser: str = ""


def _written(fields: EventFields) -> EventFields:
    """The fields as the activity's columns hold them once written (``_values``)."""
    return EventFields(
        title=fields.title.strip()[:_TITLE_MAX],
        start=_utc(fields.start),
        end=_utc(fields.end),
        all_day=fields.all_day,
        location=fields.location,
        description=fields.description,
        guests=_guests(Attendee(email=g.email, response=g.response) for g in fields.guests),
        show_as=fields.show_as,
        private=fields.private,
    )


async def create_many(
    host_id: int, new: Sequence[NewActivity], *, guests: GuestPolicy
) -> list[ActivityItem]:
    """The activities of many calendar events (:func:`create` for each, in order), in
    one statement per 500, whatever their guests: attendees are columns of the row;
    only the contact links of the activities that have guests are written apart.
    Nothing is read back but which of those got a contact guest: every other value
    is what was written."""
    if not new:
        return []
    now = datetime.now(UTC)
    rows = []
    for action, organiser in new:
        fields = _written(action.fields)
        values = {
            "owner": host_id,
            "activity_type": action.type_id,
            "title": fields.title,
            "description": fields.description,
            "start_at": fields.start,
            "end_at": fields.end,
            "all_day": fields.all_day,
            "completed": False,
            "needs_attention": False,
            "ambiguous_guests": "[]",
            "created_at": now,
            "updated_at": now,
            "location": fields.location,
            "show_as": fields.show_as,
            "private": fields.private,
            "trashed_at": None,
            "series_id": None if action.series_id is None else action.series_id[:_SERIES_MAX],
            "original_start": None
            if action.original_start is None
            else _utc(action.original_start),
            "attendees": _attendees(action.fields.guests),
            "organiser": organiser[:_ORGANISER_MAX],
        }
        rows.append(tuple(values[c] for c in repository.INSERT_COLUMNS))
    ids = await repository.insert_many(rows)
    with_guests = [
        (activity_id, item.action.fields.guests)
        for activity_id, item in zip(ids, new, strict=True)
        if item.action.fields.guests
    ]
    await _link_guests(host_id, with_guests, guests)
    linked = (
        await repository.with_contact_guests([activity_id for activity_id, _ in with_guests])
        if with_guests
        else set()
    )
    return [
        ActivityItem(
            id=activity_id,
            owner_id=host_id,
            type_id=item.action.type_id,
            fields=_written(item.action.fields),
            # A new activity has no booking: a contact guest is its only link.
            linked_to_record=activity_id in linked,
        )
        for activity_id, item in zip(ids, new, strict=True)
    ]


async def create(
    host_id: int, action: CreateActivity, *, guests: GuestPolicy, organiser: str = ""
) -> ActivityItem:
    """A new activity of the host from a calendar event (``action``). A guest whose
    address several contacts share is not guessed: the activity needs attention."""
    (made,) = await create_many(host_id, [NewActivity(action, organiser)], guests=guests)
    return made


async def update_many(
    host_id: int,
    updates: Sequence[tuple[ActivityItem, EventFields, tuple[str, ...]]],
    *,
    guests: GuestPolicy,
) -> list[ActivityItem]:
    """:func:`update` for many activities, each ``(activity as loaded, fields,
    changed)``: one statement per set of changed fields (and 500 rows), nothing read
    back but the contact links of those whose guests changed. The answer is the
    activity as loaded with the changed fields as written: the fields that were not
    written are the engine's, read under the account's lock this run."""
    if not updates:
        return []
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for activity, fields, changed in updates:
        unknown = set(changed) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"not synced fields: {sorted(unknown)}")
        values = _values(fields, changed)
        if values:
            columns = tuple(str(c) for c in values)
            groups.setdefault(columns, []).append((activity.id, *values.values()))
    now = datetime.now(UTC)
    for columns, rows in groups.items():
        found = await repository.update_many(columns, rows, now)
        if len(found) != len({row[0] for row in rows}):
            raise NotFound("No such activity.")
    relinked = [(a.id, fields.guests) for a, fields, changed in updates if "guests" in changed]
    await _link_guests(host_id, relinked, guests)
    linked = await repository.linked_to_record(host_id) if relinked else set()
    written = []
    for activity, fields, changed in updates:
        now_fields = _written(fields)
        merged = msgspec.structs.replace(
            activity.fields, **{name: getattr(now_fields, name) for name in changed}
        )
        written.append(
            msgspec.structs.replace(
                activity,
                fields=merged,
                linked_to_record=activity.id in linked
                if "guests" in changed
                else activity.linked_to_record,
            )
        )
    return written


async def update(
    host_id: int,
    activity_id: int,
    fields: EventFields,
    changed: Collection[str],
    *,
    guests: GuestPolicy,
) -> ActivityItem:
    """Write the ``changed`` fields of ``fields`` and nothing else (so a field the
    planner did not mean to touch keeps what the CRM holds)."""
    unknown = set(changed) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"not synced fields: {sorted(unknown)}")
    values = _values(fields, changed)
    await repository.update(activity_id, {**values, "updated_at": datetime.now(UTC)})
    if "guests" in changed:
        await _link_guests(host_id, [(activity_id, fields.guests)], guests)
    return await _reload(activity_id)


async def trash(activity_id: int) -> None:
    """The event left the linked calendar: the activity goes to the trash (invisible,
    blocks nothing) until the event comes back."""
    now = datetime.now(UTC)
    await repository.update(activity_id, {"trashed_at": now, "updated_at": now})


async def restore(activity_id: int, fields: EventFields, *, guests: GuestPolicy) -> ActivityItem:
    """The event came back: the activity leaves the trash with the event's values."""
    row = await repository.by_id(activity_id)
    if row is None:
        raise NotFound("No such activity.")
    await repository.update(activity_id, {"trashed_at": None})
    return await update(row.owner_id, activity_id, fields, FIELD_NAMES, guests=guests)


async def set_organiser(activity_id: int, organiser: str) -> None:
    """Who organises the event, when not the host ("" when the host does): the synced
    fields are read-only in the CRM while it is set."""
    await repository.update(activity_id, {"organiser": organiser[:_ORGANISER_MAX]})


async def exists(activity_id: int) -> bool:
    """Whether the activity is still there (in the trash or not)."""
    return await repository.by_id(activity_id) is not None
