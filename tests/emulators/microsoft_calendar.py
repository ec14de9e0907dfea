"""State and rules of the Microsoft Graph emulator's calendars: calendars, events,
recurring series with their occurrences, exceptions and cancelled occurrences.

Stored records are single instances, series masters and exceptions. Occurrences are
never stored: they are generated from the master, each with its own id (the
master's plus the original start, as Graph's ids also encode it), iCalUId and
``seriesMasterId``. Editing an occurrence turns it into an exception with the same
id; deleting one cancels it. Changing a master's time or pattern drops its
exceptions and cancellations, as Outlook does.

Every change bumps a sequence number on the record: the delta rounds and the change
notifications read it. The caller holds the emulator's lock.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.emulators.microsoft_errors import (
    GraphError,
    access_denied,
    bad_enum,
    bad_request,
    invalid_request,
    item_not_found,
    malformed_id,
    unknown_property,
)
from tests.emulators.microsoft_time import (
    WallTime,
    first_occurrence,
    graph_stamp,
    graph_wall,
    iso_utc,
    occurrence_walls,
    parse_wall_time,
    render_time,
    utc_to_wall,
    validate_recurrence,
    wall_to_utc,
    whole_days,
)

EVENT_PREFIX = "AAMkAD"
CALENDAR_PREFIX = "AAMkAGC"
RECORD_TAG = b"\x01"
OCCURRENCE_TAG = b"\x02"
ICAL_HEADER = "040000008200E00074C5B7101A82E008"

SHOW_AS = ("free", "tentative", "busy", "oof", "workingElsewhere", "unknown")
SENSITIVITY = ("normal", "personal", "private", "confidential")
IMPORTANCE = ("low", "normal", "high")
ATTENDEE_TYPES = ("required", "optional", "resource")
RESPONSES = ("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded")
BODY_TYPES = ("text", "html")
MEETING_PROVIDERS = ("unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer")
CALENDAR_COLORS = (
    "auto",
    "lightBlue",
    "lightGreen",
    "lightOrange",
    "lightGray",
    "lightYellow",
    "lightTeal",
    "lightPink",
    "lightBrown",
    "lightRed",
    "maxColor",
)
NEVER = "0001-01-01T00:00:00Z"

# Properties a client may write (https://learn.microsoft.com/graph/api/resources/event).
WRITABLE = frozenset(
    {
        "subject",
        "body",
        "start",
        "end",
        "isAllDay",
        "showAs",
        "sensitivity",
        "importance",
        "attendees",
        "location",
        "locations",
        "categories",
        "recurrence",
        "reminderMinutesBeforeStart",
        "isReminderOn",
        "responseRequested",
        "allowNewTimeProposals",
        "isOnlineMeeting",
        "onlineMeetingProvider",
        "hideAttendees",
        "transactionId",
        "singleValueExtendedProperties",
        "multiValueExtendedProperties",
    }
)
# Read-only properties a client may echo back; Graph ignores them on a write.
READ_ONLY = frozenset(
    {
        "@odata.type",
        "@odata.etag",
        "@odata.context",
        "id",
        "changeKey",
        "createdDateTime",
        "lastModifiedDateTime",
        "iCalUId",
        "type",
        "seriesMasterId",
        "isCancelled",
        "isOrganizer",
        "originalStart",
        "originalStartTimeZone",
        "originalEndTimeZone",
        "organizer",
        "responseStatus",
        "webLink",
        "bodyPreview",
        "hasAttachments",
        "onlineMeeting",
        "onlineMeetingUrl",
        "isDraft",
        "occurrenceId",
    }
)
# What a user's Outlook (or the meeting's organizer) changes, never a Graph client
# here: the control API may set them.
TRUSTED = frozenset({"isCancelled", "organizer", "responseStatus"})
# What an attendee may change on their own copy of someone else's meeting, and what
# an organizer changes without Outlook sending the attendees an update.
OWN_COPY = frozenset(
    {
        "categories",
        "reminderMinutesBeforeStart",
        "isReminderOn",
        "singleValueExtendedProperties",
        "multiValueExtendedProperties",
    }
)
# Changing one of these on a series master regenerates its occurrences.
SERIES_SHAPE = ("start", "end", "isAllDay", "recurrence")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def record_id(key: bytes) -> str:
    return EVENT_PREFIX + _b64(RECORD_TAG + key)


def occurrence_id(key: bytes, original_start: datetime) -> str:
    stamp = struct.pack(">q", int(original_start.timestamp()))
    return EVENT_PREFIX + _b64(OCCURRENCE_TAG + key + stamp)


def decode_id(event_id: str) -> tuple[bytes, datetime | None]:
    """The record key of an id, and the original start when it names an occurrence."""
    if not event_id.startswith(EVENT_PREFIX):
        raise malformed_id()
    try:
        raw = base64.urlsafe_b64decode(event_id[len(EVENT_PREFIX) :])
    except (ValueError, TypeError):
        raise malformed_id() from None
    if raw[:1] == RECORD_TAG and len(raw) == 16:
        return raw[1:], None
    if raw[:1] == OCCURRENCE_TAG and len(raw) == 24:
        (epoch,) = struct.unpack(">q", raw[16:])
        return raw[1:16], datetime.fromtimestamp(epoch, UTC)
    raise malformed_id()


def normalise_etag(value: str) -> str:
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


@dataclass
class Calendar:
    id: str
    name: str
    color: str
    hex_color: str
    is_default: bool
    can_edit: bool
    owner_name: str
    owner_address: str
    seq: int

    def resource(self, change_key: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "hexColor": self.hex_color,
            "isDefaultCalendar": self.is_default,
            "changeKey": change_key,
            "canShare": self.can_edit and self.owner_address != "",
            "canViewPrivateItems": True,
            "canEdit": self.can_edit,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": self.is_default,
            "isRemovable": not self.is_default,
            "owner": {"name": self.owner_name, "address": self.owner_address},
        }


@dataclass
class EventRecord:
    id: str
    key: bytes
    calendar_id: str
    kind: str  # singleInstance, seriesMaster or exception
    fields: dict[str, Any]
    start: WallTime
    end: WallTime
    all_day: bool
    recurrence: dict[str, Any] | None
    ical_uid: str
    created: datetime
    modified: datetime
    seq: int
    # For a master: bumped when what its occurrences show changes.
    content_seq: int
    master_id: str | None = None
    original_start: datetime | None = None  # UTC; exceptions only
    cancelled: set[datetime] = field(default_factory=set)  # master: original starts
    deleted: bool = False


@dataclass(frozen=True)
class Instance:
    """An event as a view shows it: a stored record or a generated occurrence."""

    id: str
    type: str  # singleInstance, seriesMaster, occurrence or exception
    record: EventRecord  # the master, for an occurrence
    start: datetime  # UTC
    end: datetime  # UTC
    start_wall: datetime  # in the event's own zone
    end_wall: datetime
    original_start: datetime | None
    version: int

    def overlaps(self, window_start: datetime, window_end: datetime) -> bool:
        if self.start == self.end:
            return window_start <= self.start < window_end
        return self.start < window_end and self.end > window_start


class CalendarStore:
    def __init__(
        self,
        now: Callable[[], datetime],
        on_change: Callable[[str, str, str], None],
        *,
        user_name: str,
        user_email: str,
    ) -> None:
        self.now = now
        self.on_change = on_change
        self.user_name = user_name
        self.user_email = user_email
        self.calendars: dict[str, Calendar] = {}
        self.records: dict[str, EventRecord] = {}
        self.seq = 0
        self._change_key_prefix = secrets.token_bytes(10)
        #: Meeting requests, updates and cancellations Exchange sent to attendees
        #: because of a Graph write (Graph has no switch to keep them unsent).
        self.messages_sent = 0

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def change_key(self, version: int) -> str:
        return base64.b64encode(self._change_key_prefix + struct.pack(">Q", version)).decode()

    # -- calendars --------------------------------------------------------------

    def add_calendar(
        self,
        name: str,
        *,
        default: bool,
        color: str,
        hex_color: str,
        can_edit: bool,
        owner: tuple[str, str] | None,
    ) -> Calendar:
        if color not in CALENDAR_COLORS:
            raise ValueError(f"unknown calendarColor {color!r}")
        if default:
            for other in self.calendars.values():
                other.is_default = False
        owner_name, owner_address = owner or (self.user_name, self.user_email)
        calendar = Calendar(
            CALENDAR_PREFIX + _b64(secrets.token_bytes(24)),
            name,
            color,
            hex_color,
            default,
            can_edit,
            owner_name,
            owner_address,
            self._next_seq(),
        )
        self.calendars[calendar.id] = calendar
        return calendar

    def calendar(self, calendar_id: str | None) -> Calendar:
        if calendar_id is None:
            return next(c for c in self.calendars.values() if c.is_default)
        found = self.calendars.get(calendar_id)
        if found is None:
            if not calendar_id.startswith(CALENDAR_PREFIX):
                raise malformed_id()
            raise item_not_found()
        return found

    def calendar_resource(self, calendar: Calendar) -> dict[str, Any]:
        return calendar.resource(self.change_key(calendar.seq))

    # -- reading ----------------------------------------------------------------

    def _duration(self, record: EventRecord) -> timedelta:
        return record.end.utc() - record.start.utc()

    def _stored_instance(self, record: EventRecord) -> Instance:
        return Instance(
            record.id,
            record.kind,
            record,
            record.start.utc(),
            record.end.utc(),
            record.start.wall,
            record.end.wall,
            record.original_start,
            record.seq,
        )

    def _occurrence(self, master: EventRecord, wall: datetime) -> Instance:
        zone = master.start.zone
        if master.all_day:
            end_wall = wall + (master.end.wall - master.start.wall)
            start, end = wall_to_utc(wall, zone), wall_to_utc(end_wall, zone)
        else:
            start = wall_to_utc(wall, zone)
            end = start + self._duration(master)
            end_wall = utc_to_wall(end, master.end.zone)
        return Instance(
            occurrence_id(master.key, start),
            "occurrence",
            master,
            start,
            end,
            wall,
            end_wall,
            start,
            master.content_seq,
        )

    def _occurrences(self, master: EventRecord, until: datetime | None) -> list[Instance]:
        """Live occurrences (neither cancelled nor turned into exceptions) starting
        before ``until`` (all of a finite series without it)."""
        zone = master.start.zone
        # A day of margin for the duration; the exact cut is done in UTC below.
        until_wall = utc_to_wall(until, zone) + timedelta(days=1) if until else None
        assert master.recurrence is not None
        found = []
        for wall in occurrence_walls(master.recurrence, master.start.wall, until_wall):
            occurrence = self._occurrence(master, wall)
            if until is not None and occurrence.start >= until:
                break
            exception = self.records.get(occurrence.id)
            if occurrence.start in master.cancelled or (exception and not exception.deleted):
                continue
            found.append(occurrence)
        return found

    def _live(self, calendar: Calendar) -> list[EventRecord]:
        return [r for r in self.records.values() if r.calendar_id == calendar.id and not r.deleted]

    def view(self, calendar: Calendar, start: datetime, end: datetime) -> list[Instance]:
        """calendarView: single instances, occurrences and exceptions overlapping the
        window, never a series master. Without $orderby Graph lists the single
        instances first, then the occurrences and exceptions (Softeria/ms-365-mcp-server
        #367 lost recurring events to that on page 2); each part by start here."""
        found: list[Instance] = []
        for record in self._live(calendar):
            if record.kind == "seriesMaster":
                found += [o for o in self._occurrences(record, end) if o.overlaps(start, end)]
            else:
                instance = self._stored_instance(record)
                if instance.overlaps(start, end):
                    found.append(instance)
        found.sort(key=lambda i: (i.type != "singleInstance", i.start, i.id))
        return found

    def events(self, calendar: Calendar | None) -> list[Instance]:
        """/events: single instances and series masters (no occurrences, no exceptions)."""
        found = [
            self._stored_instance(r)
            for r in self.records.values()
            if not r.deleted
            and r.kind != "exception"
            and (calendar is None or r.calendar_id == calendar.id)
        ]
        found.sort(key=lambda i: (i.record.created, i.id))
        return found

    def instances_of(self, event_id: str, start: datetime, end: datetime) -> list[Instance]:
        master = self.event(event_id)
        if master.type != "seriesMaster":
            return [master] if master.overlaps(start, end) else []
        found = [o for o in self._occurrences(master.record, end) if o.overlaps(start, end)]
        found += [
            self._stored_instance(r)
            for r in self.records.values()
            if r.master_id == master.id and not r.deleted
        ]
        found = [i for i in found if i.overlaps(start, end)]
        found.sort(key=lambda i: (i.start, i.id))
        return found

    def event(self, event_id: str) -> Instance:
        key, original = decode_id(event_id)
        stored = self.records.get(event_id)
        if stored is not None and not stored.deleted:
            return self._stored_instance(stored)
        if original is None:
            raise item_not_found()
        master = self.records.get(record_id(key))
        if master is None or master.deleted or master.recurrence is None:
            raise item_not_found()
        for occurrence in self._occurrences(master, original + timedelta(seconds=1)):
            if occurrence.id == event_id:
                return occurrence
        raise item_not_found()

    def changed_since(self, calendar: Calendar, seq: int) -> list[EventRecord]:
        return [r for r in self.records.values() if r.calendar_id == calendar.id and r.seq > seq]

    # -- rendering --------------------------------------------------------------

    def render(self, instance: Instance) -> dict[str, Any]:
        """The event resource with times in UTC (``in_zone`` moves them)."""
        record = instance.record
        fields = record.fields
        change_key = self.change_key(instance.version)
        if record.all_day:
            start = {"dateTime": graph_wall(instance.start_wall), "timeZone": "UTC"}
            end = {"dateTime": graph_wall(instance.end_wall), "timeZone": "UTC"}
        else:
            start = {"dateTime": graph_wall(instance.start.replace(tzinfo=None)), "timeZone": "UTC"}
            end = {"dateTime": graph_wall(instance.end.replace(tzinfo=None)), "timeZone": "UTC"}
        series_master = record.master_id or (record.id if instance.type == "occurrence" else None)
        ical_uid = record.ical_uid
        if instance.type == "occurrence" and instance.original_start is not None:
            ical_uid = _ical_uid(record.key, instance.original_start)
        body = fields.get("body") or {"contentType": "html", "content": ""}
        resource: dict[str, Any] = {
            "@odata.etag": f'W/"{change_key}"',
            "id": instance.id,
            "createdDateTime": graph_stamp(record.created),
            "lastModifiedDateTime": graph_stamp(record.modified),
            "changeKey": change_key,
            "categories": list(fields.get("categories", [])),
            "transactionId": fields.get("transactionId"),
            "originalStartTimeZone": record.start.zone_name,
            "originalEndTimeZone": record.end.zone_name,
            "iCalUId": ical_uid,
            "reminderMinutesBeforeStart": fields.get("reminderMinutesBeforeStart", 15),
            "isReminderOn": fields.get("isReminderOn", True),
            "hasAttachments": False,
            "subject": fields.get("subject", ""),
            "bodyPreview": _preview(body),
            "importance": fields.get("importance", "normal"),
            "sensitivity": fields.get("sensitivity", "normal"),
            "isAllDay": record.all_day,
            "isCancelled": fields.get("isCancelled", False),
            "isOrganizer": self._is_organizer(fields),
            "responseRequested": fields.get("responseRequested", True),
            "seriesMasterId": series_master,
            "showAs": fields.get("showAs", "busy"),
            "type": instance.type,
            "webLink": "https://outlook.office365.com/owa/?itemid="
            + instance.id
            + "&exvsurl=1&path=/calendar/item",
            "onlineMeetingUrl": None,
            "isOnlineMeeting": fields.get("isOnlineMeeting", False),
            "onlineMeetingProvider": fields.get("onlineMeetingProvider", "unknown"),
            "allowNewTimeProposals": fields.get("allowNewTimeProposals", True),
            "occurrenceId": None,
            "isDraft": False,
            "hideAttendees": fields.get("hideAttendees", False),
            "responseStatus": copy.deepcopy(
                fields.get("responseStatus") or {"response": "organizer", "time": NEVER}
            ),
            "body": copy.deepcopy(body),
            "start": start,
            "end": end,
            "location": copy.deepcopy(fields.get("location") or _location("")),
            "locations": copy.deepcopy(fields.get("locations", [])),
            "recurrence": copy.deepcopy(record.recurrence)
            if instance.type == "seriesMaster"
            else None,
            "attendees": copy.deepcopy(fields.get("attendees", [])),
            "organizer": copy.deepcopy(
                fields.get("organizer")
                or {"emailAddress": {"name": self.user_name, "address": self.user_email}}
            ),
            "onlineMeeting": None,
        }
        if instance.original_start is not None:
            resource["originalStart"] = iso_utc(instance.original_start)
        return resource

    def _is_organizer(self, fields: dict[str, Any]) -> bool:
        organizer = fields.get("organizer")
        if not organizer:
            return True
        address = str(organizer.get("emailAddress", {}).get("address", ""))
        return address.lower() == self.user_email.lower()

    # -- writing ----------------------------------------------------------------

    def _commit(self, record: EventRecord, change: str, *, content: bool) -> None:
        record.seq = self._next_seq()
        record.modified = self.now()
        if content:
            record.content_seq = record.seq
        self.records[record.id] = record
        self.on_change(record.calendar_id, record.id, change)

    def _check_etag(self, instance: Instance, if_match: str | None) -> None:
        if if_match is None or if_match.strip() == "*":
            return
        if normalise_etag(if_match) != self.change_key(instance.version):
            raise GraphError(
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the change key "
                "passed in the request does not match the current change key for the item.",
            )

    def _writable(self, calendar_id: str, trusted: bool) -> Calendar:
        calendar = self.calendars[calendar_id]
        if not calendar.can_edit and not trusted:
            raise access_denied()
        return calendar

    def _by_transaction(self, transaction_id: object) -> EventRecord | None:
        if not isinstance(transaction_id, str) or not transaction_id:
            return None
        for record in self.records.values():
            if not record.deleted and record.fields.get("transactionId") == transaction_id:
                return record
        return None

    def _attendees_mailed(self, fields: dict[str, Any]) -> int:
        """How many attendees Exchange writes to when the organizer saves the event."""
        if not self._is_organizer(fields) or fields.get("isCancelled"):
            return 0
        mine = self.user_email.lower()
        return sum(
            1
            for a in fields.get("attendees", [])
            if str(a.get("emailAddress", {}).get("address", "")).lower() != mine
        )

    def create(self, calendar: Calendar, body: dict[str, Any], *, trusted: bool) -> Instance:
        self._writable(calendar.id, trusted)
        again = None if trusted else self._by_transaction(body.get("transactionId"))
        if again is not None:
            # transactionId: Graph recognises a retried POST and answers the event the
            # first one made, unchanged (a deleted event no longer holds its id).
            return self._stored_instance(again)
        for side in ("start", "end"):
            if side not in body:
                raise invalid_request(
                    f"Your request can't be completed. The {side} time is missing."
                )
        fields, start, end, all_day, recurrence = self._build(body, None, trusted=trusted)
        key = secrets.token_bytes(15)
        if recurrence is not None:
            start, end = _onto_first_occurrence(recurrence, start, end)
        now = self.now()
        record = EventRecord(
            id=record_id(key),
            key=key,
            calendar_id=calendar.id,
            kind="seriesMaster" if recurrence else "singleInstance",
            fields=fields,
            start=start,
            end=end,
            all_day=all_day,
            recurrence=recurrence,
            ical_uid=_ical_uid(key, None),
            created=now,
            modified=now,
            seq=0,
            content_seq=0,
        )
        self._commit(record, "created", content=True)
        if not trusted:
            self.messages_sent += self._attendees_mailed(record.fields)
        return self._stored_instance(record)

    def update(
        self,
        event_id: str,
        body: dict[str, Any],
        *,
        if_match: str | None,
        trusted: bool,
    ) -> Instance:
        current = self.event(event_id)
        self._writable(current.record.calendar_id, trusted)
        content = any(k not in OWN_COPY and k not in READ_ONLY for k in body)
        if not trusted and content and not self._is_organizer(current.record.fields):
            # Only the organizer changes a meeting; an attendee's copy takes its own
            # categories, reminders and extended properties only.
            raise access_denied()
        self._check_etag(current, if_match)
        if not trusted and content:
            # The organizer saving a meeting sends every attendee an update.
            self.messages_sent += self._attendees_mailed(
                {**current.record.fields, **{k: body[k] for k in ("attendees",) if k in body}}
            )
        if current.type == "occurrence":
            return self._make_exception(current, body, trusted=trusted)
        record = current.record
        if record.kind == "exception" and "recurrence" in body:
            raise invalid_request(
                "Your request can't be completed. An occurrence of a series can't have its own "
                "recurrence."
            )
        fields, start, end, all_day, recurrence = self._build(body, record, trusted=trusted)
        reshaped = record.kind != "exception" and any(k in body for k in SERIES_SHAPE)
        if recurrence is not None and reshaped:
            start, end = _onto_first_occurrence(recurrence, start, end)
        if record.kind == "seriesMaster" and reshaped:
            # Outlook drops a series' exceptions and cancellations when its time or
            # pattern changes; the occurrences come back regenerated.
            record.cancelled.clear()
            for exception in list(self.records.values()):
                if exception.master_id == record.id and not exception.deleted:
                    exception.deleted = True
                    self._commit(exception, "deleted", content=True)
        record.fields, record.start, record.end, record.all_day = fields, start, end, all_day
        if record.kind != "exception":
            record.recurrence = recurrence
            record.kind = "seriesMaster" if recurrence else "singleInstance"
        self._commit(record, "updated", content=True)
        return self._stored_instance(record)

    def _make_exception(
        self, occurrence: Instance, body: dict[str, Any], *, trusted: bool
    ) -> Instance:
        if "recurrence" in body:
            raise invalid_request(
                "Your request can't be completed. An occurrence of a series can't have its own "
                "recurrence."
            )
        master = occurrence.record
        template = copy.copy(master)
        template.start = WallTime(occurrence.start_wall, master.start.zone_name, master.start.zone)
        template.end = WallTime(occurrence.end_wall, master.end.zone_name, master.end.zone)
        fields, start, end, all_day, _ = self._build(body, template, trusted=trusted)
        now = self.now()
        exception = EventRecord(
            id=occurrence.id,
            key=master.key,
            calendar_id=master.calendar_id,
            kind="exception",
            fields=fields,
            start=start,
            end=end,
            all_day=all_day,
            recurrence=None,
            ical_uid=_ical_uid(master.key, occurrence.start),
            created=now,
            modified=now,
            seq=0,
            content_seq=0,
            master_id=master.id,
            original_start=occurrence.start,
        )
        self._commit(exception, "updated", content=True)
        return self._stored_instance(exception)

    def delete(self, event_id: str, *, if_match: str | None, trusted: bool) -> None:
        current = self.event(event_id)
        self._writable(current.record.calendar_id, trusted)
        self._check_etag(current, if_match)
        record = current.record
        if not trusted:
            # Deleting a meeting one organizes sends the attendees its cancellation.
            self.messages_sent += self._attendees_mailed(record.fields)
        if current.type == "occurrence":
            assert current.original_start is not None
            record.cancelled.add(current.original_start)
            self._commit(record, "updated", content=False)
            self.on_change(record.calendar_id, current.id, "deleted")
            return
        if record.kind == "exception":
            master = self.records[str(record.master_id)]
            assert record.original_start is not None
            master.cancelled.add(record.original_start)
            self._commit(master, "updated", content=False)
        record.deleted = True
        self._commit(record, "deleted", content=True)
        if record.kind == "seriesMaster":
            for exception in list(self.records.values()):
                if exception.master_id == record.id and not exception.deleted:
                    exception.deleted = True
                    self._commit(exception, "deleted", content=True)

    def move(self, event_id: str, target: Calendar) -> Instance:
        """The user drags an event to another calendar of the mailbox: Exchange moves
        the item to another folder, which gives it a new id; the source calendar's
        delta then reports the old id as removed."""
        current = self.event(event_id)
        record = current.record
        if current.type != "singleInstance":
            raise invalid_request("Only a single event is moved here, not a series.")
        record.deleted = True
        self._commit(record, "deleted", content=True)
        key = secrets.token_bytes(15)
        moved = copy.deepcopy(record)
        moved.id, moved.key, moved.calendar_id = record_id(key), key, target.id
        moved.ical_uid, moved.deleted = record.ical_uid, False
        self._commit(moved, "created", content=True)
        return self._stored_instance(moved)

    # -- validation -------------------------------------------------------------

    def _build(
        self,
        body: dict[str, Any],
        previous: EventRecord | None,
        *,
        trusted: bool,
    ) -> tuple[dict[str, Any], WallTime, WallTime, bool, dict[str, Any] | None]:
        fields = copy.deepcopy(previous.fields) if previous else {}
        for name, value in body.items():
            if name in TRUSTED and trusted:
                fields[name] = copy.deepcopy(value)
            elif name in READ_ONLY:
                continue
            elif name not in WRITABLE:
                raise unknown_property(name, "event")
            elif name == "singleValueExtendedProperties":
                # Graph creates or changes the properties a write lists and keeps the
                # others (they are matched by id, case-insensitively).
                fields[name] = _merged_properties(fields.get(name, []), value)
            elif name not in ("start", "end", "isAllDay", "recurrence"):
                fields[name] = _checked(name, value)
        if "location" in body and "locations" not in body:
            location = fields.get("location") or {}
            fields["locations"] = [location] if location.get("displayName") else []
        start = parse_wall_time(body["start"], "start") if "start" in body else None
        end = parse_wall_time(body["end"], "end") if "end" in body else None
        if previous is not None:
            start = start or previous.start
            end = end or previous.end
        assert start is not None
        assert end is not None
        all_day = body.get("isAllDay", previous.all_day if previous else False)
        if not isinstance(all_day, bool):
            raise bad_request(
                f"Cannot convert the literal '{all_day}' to the expected type 'Edm.Boolean'."
            )
        if all_day and not (whole_days(start, end) and start.zone_name == end.zone_name):
            raise invalid_request(
                "Your request can't be completed. The start and end of an all-day event must be "
                "at midnight in one time zone and a whole number of days apart."
            )
        if end.utc() < start.utc():
            raise invalid_request(
                "Your request can't be completed. The end time must not be earlier than the "
                "start time."
            )
        recurrence = previous.recurrence if previous else None
        if "recurrence" in body:
            value = body["recurrence"]
            if value is None:
                if previous is not None and previous.kind == "seriesMaster":
                    raise invalid_request(
                        "Your request can't be completed. A series can't be turned back into "
                        "a single event; delete it instead."
                    )
                recurrence = None
            else:
                recurrence = validate_recurrence(value)
        return fields, start, end, all_day, recurrence


def _onto_first_occurrence(
    recurrence: dict[str, Any], start: WallTime, end: WallTime
) -> tuple[WallTime, WallTime]:
    """Graph moves a series' start (and end, by the same amount) onto its first
    occurrence, which may lie after the start the client gave."""
    first = first_occurrence(recurrence, start.wall)
    if first is None:
        raise invalid_request("Your request can't be completed. The series has no occurrence.")
    shift = first - start.wall
    return (
        WallTime(first, start.zone_name, start.zone),
        WallTime(end.wall + shift, end.zone_name, end.zone),
    )


def _checked(name: str, value: Any) -> Any:
    """Validate one writable property (not times or recurrence) and return a copy."""
    enums = {
        "showAs": (SHOW_AS, "freeBusyStatus"),
        "sensitivity": (SENSITIVITY, "sensitivity"),
        "importance": (IMPORTANCE, "importance"),
        "onlineMeetingProvider": (MEETING_PROVIDERS, "onlineMeetingProviderType"),
    }
    if name in enums:
        allowed, type_name = enums[name]
        if value not in allowed:
            raise bad_enum(value, type_name)
        return value
    if name in (
        "isReminderOn",
        "responseRequested",
        "allowNewTimeProposals",
        "isOnlineMeeting",
        "hideAttendees",
    ):
        if not isinstance(value, bool):
            raise bad_request(
                f"Cannot convert the literal '{value}' to the expected type 'Edm.Boolean'."
            )
        return value
    if name == "subject":
        return "" if value is None else str(value)
    if name == "body":
        if not isinstance(value, dict):
            raise bad_request("A body must be an itemBody object.")
        content_type = value.get("contentType", "text")
        if content_type not in BODY_TYPES:
            raise bad_enum(content_type, "bodyType")
        return {"contentType": content_type, "content": str(value.get("content") or "")}
    if name == "attendees":
        return [_attendee(a) for a in value or []]
    if name == "categories":
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise bad_request("categories must be a list of strings.")
        return list(value)
    if name == "location":
        return _location_of(value)
    if name == "locations":
        if not isinstance(value, list):
            raise bad_request("locations must be a list.")
        return [_location_of(v) for v in value]
    if name == "reminderMinutesBeforeStart":
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request(
                f"Cannot convert the literal '{value}' to the expected type 'Edm.Int32'."
            )
        return value
    return copy.deepcopy(value)


PROPERTY_ID = re.compile(
    r"^(String|Integer|Boolean|SystemTime|Binary|Double|Long|Short|Guid) "
    r"(\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\} (Name \S+|Id 0x[0-9a-f]+)"
    r"|0x[0-9a-f]+)$",
    re.IGNORECASE,
)


def _merged_properties(stored: list[dict[str, str]], value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise bad_request("singleValueExtendedProperties must be a list.")
    merged = {str(p["id"]).lower(): dict(p) for p in stored}
    for entry in value:
        if not isinstance(entry, dict) or not PROPERTY_ID.match(str(entry.get("id") or "")):
            raise GraphError(
                400,
                "ErrorInvalidExtendedPropertyValue",
                "The extended property id is not valid.",
            )
        if not isinstance(entry.get("value"), str):
            raise bad_request("An extended property's value must be a string.")
        merged[str(entry["id"]).lower()] = {"id": str(entry["id"]), "value": entry["value"]}
    return list(merged.values())


def expanded_properties(fields: dict[str, Any], wanted: tuple[str, ...]) -> list[dict[str, str]]:
    """The stored extended properties a ``$expand=...($filter=id eq '...')`` names."""
    lowered = {w.lower() for w in wanted}
    return [
        dict(p)
        for p in fields.get("singleValueExtendedProperties", [])
        if p["id"].lower() in lowered
    ]


def _attendee(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("emailAddress"), dict):
        raise bad_request("An attendee needs an emailAddress object.")
    address = value["emailAddress"].get("address")
    if not address or "@" not in str(address):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
    kind = value.get("type", "required")
    if kind not in ATTENDEE_TYPES:
        raise bad_enum(kind, "attendeeType")
    status = value.get("status") or {"response": "none", "time": NEVER}
    if status.get("response", "none") not in RESPONSES:
        raise bad_enum(status.get("response"), "responseType")
    return {
        "type": kind,
        "status": {"response": status.get("response", "none"), "time": status.get("time", NEVER)},
        "emailAddress": {
            "name": str(value["emailAddress"].get("name") or address),
            "address": str(address),
        },
    }


def _location(display_name: str) -> dict[str, Any]:
    return {"displayName": display_name, "locationType": "default", "uniqueIdType": "unknown"}


def _location_of(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request("A location must be an object.")
    location = _location(str(value.get("displayName") or ""))
    location.update({k: copy.deepcopy(v) for k, v in value.items() if k != "displayName"})
    return location


def _preview(body: dict[str, Any]) -> str:
    text = str(body.get("content", ""))
    if body.get("contentType") == "html":
        text = re.sub(r"<[^>]+>", " ", text)
    return " ".join(text.split())[:255]


def _ical_uid(key: bytes, occurrence: datetime | None) -> str:
    # Exchange's global object id: an occurrence's carries its date, a series' zeros.
    day = (
        f"{occurrence.year:04X}{occurrence.month:02X}{occurrence.day:02X}"
        if occurrence
        else "0" * 8
    )
    unique = hashlib.sha256(key).hexdigest()[:32].upper()
    return f"{ICAL_HEADER}{day}D0A7B0C6F2B6D801000000000000000010000000{unique}"


def in_zone(resource: dict[str, Any], zone_name: str) -> dict[str, Any]:
    """An event resource (rendered in UTC) with its times in ``zone_name``; all-day
    events float, so only their zone label changes."""
    if zone_name == "UTC" or "@removed" in resource:
        return resource
    moved = dict(resource)
    for side in ("start", "end"):
        value = resource[side]
        if resource["isAllDay"]:
            moved[side] = {"dateTime": value["dateTime"], "timeZone": zone_name}
        else:
            utc = datetime.fromisoformat(value["dateTime"][:26]).replace(tzinfo=UTC)
            moved[side] = render_time(utc, zone_name)
    return moved
