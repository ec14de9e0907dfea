"""State and rules of the Google Calendar emulator: calendars, events, recurring
series, sync and page tokens, free/busy. The caller holds the emulator's lock."""

from __future__ import annotations

import base64
import copy
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.emulators.google_discovery import (
    Call,
    GoogleApiError,
    bad_request,
    invalid,
    parse_rfc3339,
)
from tests.emulators.google_event_types import apply_event_type, of_types
from tests.emulators.google_time import (
    EventTime,
    expand,
    instance_suffix,
    original_start_time,
    parse_event_time,
    rfc3339,
    suffix_of_original,
    utc_text,
    zone_of,
)

# base32hex as Google requires for client-chosen event ids.
EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
INSTANCE_ID = re.compile(r"(?P<master>.+)_(?P<suffix>\d{8}(T\d{6}Z)?)")
# An open-ended series is expanded this far past "now" (or past its start, if
# later) when no timeMax bounds it.
RECURRENCE_HORIZON = timedelta(days=730)
MAX_PAGE = 2500
# Google refuses free/busy ranges past roughly three months.
MAX_FREEBUSY_RANGE = timedelta(days=90)
SYNC_FORBIDDEN = (
    "timeMin",
    "timeMax",
    "updatedMin",
    "q",
    "orderBy",
    "iCalUID",
    "privateExtendedProperty",
    "sharedExtendedProperty",
)
ENUMS = {
    "status": ("confirmed", "tentative", "cancelled"),
    "transparency": ("opaque", "transparent"),
    "visibility": ("default", "public", "private", "confidential"),
}
# Set by the server on every write; a client cannot choose them.
SERVER_FIELDS = ("kind", "etag", "id", "created", "updated", "htmlLink", "creator", "organizer")
# What a guest may change on their own copy of an event someone else organises:
# everything else is shared, and only the organiser changes it (403
# forbiddenForNonOrganizer) unless the event lets guests modify it.
GUEST_FIELDS = frozenset(
    {*SERVER_FIELDS, "reminders", "colorId", "transparency", "sequence"}
    | {"attendees", "extendedProperties"}  # compared in parts: see _check_guest_write
)
# An attendee's own entry: the parts of it that are theirs to answer.
OWN_ANSWER = ("responseStatus", "comment", "additionalGuests")
WRITER_ROLES = ("owner", "writer")


@dataclass
class Stored:
    resource: dict[str, Any]
    seq: int


@dataclass
class Calendar:
    id: str
    summary: str
    time_zone: str
    primary: bool
    background_color: str
    access_role: str
    seq: int
    events: dict[str, Stored] = field(default_factory=dict)
    # Instances a series edit made disappear; only a singleEvents incremental sync
    # reports them (as cancelled items), they never hide a regenerated instance.
    tombstones: list[Stored] = field(default_factory=list)

    def list_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "kind": "calendar#calendarListEntry",
            "etag": etag(self.seq),
            "id": self.id,
            "summary": self.summary,
            "timeZone": self.time_zone,
            "colorId": "1",
            "backgroundColor": self.background_color,
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": self.access_role,
            "defaultReminders": [],
        }
        if self.primary:
            entry["primary"] = True
        return entry


@dataclass
class SyncState:
    calendar_id: str
    seq: int
    single_events: bool


@dataclass
class PageState:
    scope: str
    items: list[dict[str, Any]]
    next_sync_token: str | None


def etag(seq: int) -> str:
    # Google's etags are quoted decimal numbers that grow on every change.
    return f'"{3_400_000_000_000_000 + seq * 1000}"'


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Google's patch semantics: objects merge, arrays and scalars replace, null clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class CalendarStore:
    def __init__(self, now: Callable[[], datetime], on_change: Callable[[str, str], None]) -> None:
        """``on_change(calendar_id, event_type)`` after every write."""
        self.now = now
        self.on_change = on_change
        self.calendars: dict[str, Calendar] = {}
        self.seq = 0
        self.sync_tokens: dict[str, SyncState] = {}
        self.page_tokens: dict[str, PageState] = {}

    # -- calendars --------------------------------------------------------------

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def add_calendar(
        self,
        calendar_id: str,
        summary: str,
        *,
        primary: bool,
        time_zone: str,
        background_color: str,
        access_role: str,
    ) -> Calendar:
        zone_of(time_zone)
        if primary:
            for other in self.calendars.values():
                other.primary = False
        existing = self.calendars.get(calendar_id)
        calendar = Calendar(
            calendar_id,
            summary,
            time_zone,
            primary,
            background_color,
            access_role,
            self._next_seq(),
            existing.events if existing else {},
            existing.tombstones if existing else [],
        )
        self.calendars[calendar_id] = calendar
        return calendar

    def calendar(self, calendar_id: str) -> Calendar:
        if calendar_id == "primary":
            calendar_id = next((c.id for c in self.calendars.values() if c.primary), "")
        found = self.calendars.get(calendar_id)
        if found is None:
            raise GoogleApiError(404, "notFound")
        return found

    def calendar_list(self, call: Call) -> dict[str, Any]:
        sync_token = call.str_param("syncToken")
        since = self._sync_state(sync_token, "calendarList", False).seq if sync_token else 0
        entries = [c.list_entry() for c in self.calendars.values() if c.seq > since]
        return self._page(
            "calendarList",
            call,
            entries,
            {"kind": "calendar#calendarList", "etag": etag(self.seq)},
            SyncState("calendarList", self.seq, False),
            default_size=100,
            max_size=250,
        )

    # -- paging and sync tokens -------------------------------------------------

    def _page(
        self,
        scope: str,
        call: Call,
        items: list[dict[str, Any]],
        envelope: dict[str, Any],
        sync_state: SyncState | None,
        *,
        default_size: int,
        max_size: int,
    ) -> dict[str, Any]:
        page_token = call.str_param("pageToken")
        if page_token:
            state = self.page_tokens.pop(page_token, None)
            if state is None or state.scope != scope:
                raise invalid("Invalid page token value.", "pageToken")
            items, next_sync_token = state.items, state.next_sync_token
        elif sync_state is None:
            next_sync_token = None
        else:
            # The sync token is cut when the first page is read, so whatever changes
            # while the client pages comes back in the next incremental sync.
            next_sync_token = "C" + secrets.token_urlsafe(18)
            self.sync_tokens[next_sync_token] = sync_state
        # Google clamps rather than refuses a page size over the maximum.
        size = min(call.int_param("maxResults", default_size), max_size)
        answer = dict(envelope)
        answer["items"] = items[:size]
        if len(items) > size:
            token = "P" + secrets.token_urlsafe(18)
            self.page_tokens[token] = PageState(scope, items[size:], next_sync_token)
            answer["nextPageToken"] = token
        elif next_sync_token is not None:
            # Never both: nextSyncToken only comes with the last page.
            answer["nextSyncToken"] = next_sync_token
        return answer

    def _sync_state(self, token: str, scope: str, single_events: bool) -> SyncState:
        state = self.sync_tokens.get(token)
        if state is None or state.calendar_id != scope:
            raise GoogleApiError(410, "fullSyncRequired")
        if state.single_events != single_events:
            raise invalid(
                "The value of singleEvents must match the one used to obtain the sync token.",
                "singleEvents",
            )
        return state

    def expire_sync_tokens(self) -> None:
        self.sync_tokens.clear()
        self.page_tokens.clear()

    # -- reading events ---------------------------------------------------------

    def _series(
        self, calendar: Calendar, master: dict[str, Any], until: datetime | None
    ) -> list[dict[str, Any]]:
        """Generated instances of a series not overridden by a stored exception."""
        start = parse_event_time(master["start"], "start", calendar.time_zone)
        end = parse_event_time(master["end"], "end", calendar.time_zone)
        horizon = max(self.now(), start.utc()) + RECURRENCE_HORIZON
        overridden = {
            suffix_of_original(s.resource["originalStartTime"], calendar.time_zone)
            for s in calendar.events.values()
            if s.resource.get("recurringEventId") == master["id"]
        }
        instances = []
        for original in expand(master.get("recurrence", []), start, until, horizon):
            suffix = instance_suffix(original)
            if suffix not in overridden:
                instances.append(self._instance(master, start, end, original))
        return instances

    @staticmethod
    def _instance(
        master: dict[str, Any], start: EventTime, end: EventTime, original: date | datetime
    ) -> dict[str, Any]:
        instance = copy.deepcopy(master)
        del instance["recurrence"]
        instance["id"] = f"{master['id']}_{instance_suffix(original)}"
        instance["recurringEventId"] = master["id"]
        instance["originalStartTime"] = original_start_time(original, start.zone)
        if isinstance(original, datetime):
            duration = end.utc() - start.utc()
            zone = start.zone.key
            instance["start"] = {"dateTime": rfc3339(original, start.zone), "timeZone": zone}
            instance["end"] = {
                "dateTime": rfc3339(original + duration, start.zone),
                "timeZone": zone,
            }
        else:
            assert start.day is not None
            assert end.day is not None
            instance["start"] = {"date": original.isoformat()}
            instance["end"] = {"date": (original + (end.day - start.day)).isoformat()}
        return instance

    def _span(self, calendar: Calendar, event: dict[str, Any]) -> tuple[datetime, datetime]:
        start = parse_event_time(event["start"], "start", calendar.time_zone)
        end = parse_event_time(event["end"], "end", calendar.time_zone)
        return start.utc(), end.utc()

    def _lookup(self, calendar: Calendar, event_id: str) -> dict[str, Any]:
        """A stored event, or an instance of a series generated on demand."""
        stored = calendar.events.get(event_id)
        if stored is not None:
            return stored.resource
        match = INSTANCE_ID.fullmatch(event_id)
        master = calendar.events.get(match["master"]) if match else None
        if master is not None and "recurrence" in master.resource:
            for instance in self._series(calendar, master.resource, None):
                if instance["id"] == event_id:
                    return instance
        raise GoogleApiError(404, "notFound")

    def _render(
        self, calendar: Calendar, event: dict[str, Any], zone_name: str | None
    ) -> dict[str, Any]:
        """Event times come back in the requested zone, else the calendar's."""
        rendered = copy.deepcopy(event)
        zone = zone_of(zone_name or calendar.time_zone)
        for key in ("start", "end", "originalStartTime"):
            value = rendered.get(key)
            if value and value.get("dateTime"):
                moment = parse_event_time(value, key, calendar.time_zone).utc()
                value["dateTime"] = rfc3339(moment, zone)
        return rendered

    @staticmethod
    def _tombstone_view(event: dict[str, Any]) -> dict[str, Any]:
        # A deleted event in a list carries only its identity, as Google sends it.
        keys = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
        return {k: event[k] for k in keys if k in event}

    def get_event(self, calendar_id: str, event_id: str, call: Call | None) -> dict[str, Any]:
        calendar = self.calendar(calendar_id)
        # A deleted event stays readable with status "cancelled" (as on Google);
        # only ids that never existed are 404.
        event = self._lookup(calendar, event_id)
        return self._render(calendar, event, call.str_param("timeZone") if call else None)

    def list_events(self, calendar_id: str, call: Call) -> dict[str, Any]:
        calendar = self.calendar(calendar_id)
        single = call.bool_param("singleEvents")
        sync_token = call.str_param("syncToken")
        if sync_token:
            for name in SYNC_FORBIDDEN:
                if name in call.query:
                    raise invalid(f"The parameter {name} is not compatible with syncToken.", name)
            since = self._sync_state(sync_token, calendar.id, single).seq
            items = self._changes(
                calendar, since, single, call.str_param("timeZone"), call.list_param("eventTypes")
            )
        else:
            if call.str_param("orderBy") == "startTime" and not single:
                raise invalid(
                    "The requested ordering is not available for the particular query.",
                    "orderBy",
                )
            items = self._query(calendar, call, single)
        envelope = {
            "kind": "calendar#events",
            "etag": etag(self.seq),
            "summary": calendar.summary,
            "updated": utc_text(self.now()),
            "timeZone": calendar.time_zone,
            "accessRole": calendar.access_role,
            "defaultReminders": [],
        }
        return self._page(
            calendar.id,
            call,
            items,
            envelope,
            SyncState(calendar.id, self.seq, single),
            default_size=250,
            max_size=MAX_PAGE,
        )

    def _changes(
        self,
        calendar: Calendar,
        since: int,
        single: bool,
        zone: str | None,
        event_types: list[str],
    ) -> list[dict[str, Any]]:
        latest: dict[str, tuple[int, dict[str, Any]]] = {}
        changed = [s for s in calendar.events.values() if s.seq > since]
        if single:
            changed += [t for t in calendar.tombstones if t.seq > since]
        changed = [
            s for s in changed if of_types(s.resource, event_types, self._master_of(calendar, s))
        ]
        for stored in changed:
            event = stored.resource
            if single and "recurrence" in event:
                # A changed series comes back as all its instances; vanished ones
                # come back through the tombstones.
                if event["status"] != "cancelled":
                    for instance in self._series(calendar, event, None):
                        latest[instance["id"]] = (stored.seq, instance)
                continue
            previous = latest.get(event["id"])
            if previous is None or previous[0] <= stored.seq:
                latest[event["id"]] = (stored.seq, event)
        ordered = sorted(latest.values(), key=lambda pair: pair[0])
        return [
            self._tombstone_view(e)
            if e["status"] == "cancelled"
            else self._render(calendar, e, zone)
            for _, e in ordered
        ]

    @staticmethod
    def _master_of(calendar: Calendar, stored: Stored) -> dict[str, Any] | None:
        master = calendar.events.get(stored.resource.get("recurringEventId", ""))
        return master.resource if master is not None else None

    def _query(self, calendar: Calendar, call: Call, single: bool) -> list[dict[str, Any]]:
        time_min = _instant(call, "timeMin")
        time_max = _instant(call, "timeMax")
        updated_min = _instant(call, "updatedMin")
        show_deleted = call.bool_param("showDeleted")
        ical_uid = call.str_param("iCalUID")
        wanted = [_property_filter(p) for p in call.list_param("privateExtendedProperty")]
        text = (call.str_param("q") or "").lower()
        event_types = call.list_param("eventTypes")

        def overlaps(event: dict[str, Any]) -> bool:
            start, end = self._span(calendar, event)
            # timeMin bounds the end and timeMax the start, both exclusively.
            return (time_min is None or end > time_min) and (time_max is None or start < time_max)

        def visible(event: dict[str, Any]) -> bool:
            if event["status"] == "cancelled":
                deleted_since = updated_min is not None and _updated(event) >= updated_min
                # Documented quirk: cancelled instances of a series are listed even
                # without showDeleted when singleEvents is also false.
                quirk = not single and "recurringEventId" in event
                if not (show_deleted or deleted_since or quirk):
                    return False
            elif updated_min is not None and _updated(event) < updated_min:
                return False
            if ical_uid is not None and event.get("iCalUID") != ical_uid:
                return False
            if not of_types(event, event_types, None):
                return False
            private = event.get("extendedProperties", {}).get("private", {})
            if any(private.get(key) != value for key, value in wanted):
                return False
            return not text or text in _searchable(event)

        found: list[dict[str, Any]] = []
        for stored in calendar.events.values():
            event = stored.resource
            if not visible(event):
                continue
            if "recurrence" in event and event["status"] != "cancelled":
                instances = [i for i in self._series(calendar, event, time_max) if overlaps(i)]
                if single:
                    found.extend(instances)
                elif instances:
                    found.append(event)
            elif not ("recurrence" in event and single) and overlaps(event):
                found.append(event)
        if call.str_param("orderBy") == "startTime":
            found.sort(key=lambda e: self._span(calendar, e)[0])
        elif call.str_param("orderBy") == "updated":
            found.sort(key=_updated)
        zone = call.str_param("timeZone")
        return [
            self._tombstone_view(e)
            if e["status"] == "cancelled" and not show_deleted
            else self._render(calendar, e, zone)
            for e in found
        ]

    def instances(self, calendar_id: str, event_id: str, call: Call) -> dict[str, Any]:
        calendar = self.calendar(calendar_id)
        master = self._lookup(calendar, event_id)
        if "recurrence" not in master:
            # Google answers a non-recurring event with itself as the only instance.
            items = [master]
        else:
            time_max = _instant(call, "timeMax")
            time_min = _instant(call, "timeMin")
            items = [
                i
                for i in self._series(calendar, master, time_max)
                if time_min is None or self._span(calendar, i)[1] > time_min
            ]
            items += [
                s.resource
                for s in calendar.events.values()
                if s.resource.get("recurringEventId") == master["id"]
                and (s.resource["status"] != "cancelled" or call.bool_param("showDeleted"))
            ]
            items.sort(key=lambda e: self._span(calendar, e)[0])
        zone = call.str_param("timeZone")
        envelope = {"kind": "calendar#events", "summary": calendar.summary}
        return self._page(
            f"{calendar.id}/{event_id}",
            call,
            [self._render(calendar, i, zone) for i in items],
            envelope,
            None,  # events.instances has no incremental sync
            default_size=250,
            max_size=MAX_PAGE,
        )

    # -- writing events ---------------------------------------------------------

    def _write(self, calendar: Calendar, event: dict[str, Any], *, created: bool) -> dict[str, Any]:
        """Store a full resource with a fresh etag, and report the change."""
        seq = self._next_seq()
        now = self.now()
        previous = calendar.events.get(event["id"])
        if previous is not None and "recurrence" in previous.resource:
            self._bury_vanished(calendar, previous.resource, event, seq)
        event["etag"] = etag(seq)
        event["updated"] = utc_text(now)
        if created:
            event["created"] = utc_text(now)
        calendar.events[event["id"]] = Stored(event, seq)
        self.on_change(calendar.id, event.get("eventType", "default"))
        return event

    def _bury_vanished(
        self, calendar: Calendar, before: dict[str, Any], after: dict[str, Any], seq: int
    ) -> None:
        old = {i["id"]: i for i in self._series(calendar, before, None)}
        new: set[str] = set()
        if after["status"] != "cancelled" and "recurrence" in after:
            new = {i["id"] for i in self._series(calendar, after, None)}
        for instance_id in old.keys() - new:
            view = self._tombstone_view(old[instance_id])
            view.update(status="cancelled", etag=etag(seq))
            calendar.tombstones.append(Stored(view, seq))

    def _build(
        self,
        calendar: Calendar,
        body: dict[str, Any],
        event_id: str,
        previous: dict[str, Any] | None,
        *,
        by_user: bool,
    ) -> dict[str, Any]:
        """Validate a client's event and complete it with the server-owned fields;
        ``by_user`` for the user in Google's own products (see google_event_types)."""
        event = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
        start = parse_event_time(event.get("start"), "start", calendar.time_zone)
        end = parse_event_time(event.get("end"), "end", calendar.time_zone)
        if start.all_day != end.all_day:
            raise bad_request("Start and end times must either both be date or both be dateTime.")
        # A timed event may last zero minutes; an all-day one covers at least a day.
        if end.utc() < start.utc() or (start.all_day and end.utc() == start.utc()):
            raise GoogleApiError(
                400, "timeRangeEmpty", "The specified time range is empty.", domain="calendar"
            )
        if event.get("recurrence"):
            if not start.all_day and not event["start"].get("timeZone"):
                # Google needs the zone to keep a series on its wall clock.
                raise GoogleApiError(
                    400, "required", "Missing time zone definition for start time."
                )
            expand(event["recurrence"], start, None, start.utc() + timedelta(days=1))
        event.setdefault("status", "confirmed")
        apply_event_type(
            event,
            previous,
            primary=calendar.primary,
            all_day=start.all_day,
            days=(end.day - start.day).days if end.day and start.day else 0,
            by_user=by_user,
        )
        for name, allowed in ENUMS.items():
            if name in event and event[name] not in allowed:
                raise invalid(f"Invalid value for: {name}", name)
        for attendee in event.get("attendees", []):
            if not attendee.get("email"):
                raise GoogleApiError(400, "required", "Missing attendee email.")
            attendee.setdefault("responseStatus", "needsAction")
            if attendee["email"].lower() == calendar.id.lower():
                attendee["self"] = True
        owner = {"email": calendar.id, "self": True}
        if not calendar.primary:
            owner["displayName"] = calendar.summary
        event.update(
            kind="calendar#event",
            id=event_id,
            htmlLink="https://www.google.com/calendar/event?eid="
            + base64.urlsafe_b64encode(f"{event_id} {calendar.id}".encode()).decode().rstrip("="),
            creator=previous["creator"] if previous else owner,
            organizer=previous["organizer"] if previous else owner,
        )
        event.setdefault("iCalUID", previous["iCalUID"] if previous else f"{event_id}@google.com")
        event.setdefault("reminders", {"useDefault": True})
        sequence = previous.get("sequence", 0) if previous else 0
        if previous and any(
            previous.get(k) != event.get(k) for k in ("start", "end", "recurrence")
        ):
            sequence += 1
        requested = event.get("sequence")
        event["sequence"] = max(sequence, requested if isinstance(requested, int) else 0)
        if previous:
            event["created"] = previous["created"]
            for key in ("recurringEventId", "originalStartTime"):
                if key in previous:
                    event[key] = previous[key]
        return event

    def insert(
        self,
        calendar_id: str,
        body: dict[str, Any],
        *,
        by_user: bool = False,
        organizer: str | None = None,
    ) -> dict[str, Any]:
        """``organizer``: the event is an invitation from that address, as Google puts
        it into a guest's calendar (their copy: ``organizer`` without ``self``)."""
        calendar = self.calendar(calendar_id)
        event_id = body.get("id")
        if event_id is None:
            event_id = base64.b32hexencode(secrets.token_bytes(15)).decode().lower()
        elif not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
            raise invalid("Invalid resource id value.", "id")
        # Ids of deleted events stay taken, so a retried insert cannot duplicate.
        if event_id in calendar.events:
            raise GoogleApiError(409, "duplicate")
        event = self._build(calendar, body, event_id, None, by_user=by_user)
        if organizer is not None and organizer.lower() != calendar.id.lower():
            event["organizer"] = {"email": organizer}
            event["creator"] = {"email": organizer}
            event["iCalUID"] = f"{event_id}@google.com"
        return self._write(calendar, event, created=True)

    def _writable(self, calendar: Calendar, event_id: str, if_match: str | None) -> dict[str, Any]:
        current = self._lookup(calendar, event_id)
        if if_match is not None and if_match != "*" and if_match != current["etag"]:
            raise GoogleApiError(412, "conditionNotMet", location="If-Match")
        return current

    def modify(
        self,
        calendar_id: str,
        event_id: str,
        body: dict[str, Any],
        *,
        replace: bool,
        if_match: str | None = None,
        by_user: bool = False,
    ) -> dict[str, Any]:
        """events.patch (merge) or events.update (replace); an instance becomes an exception."""
        calendar = self.calendar(calendar_id)
        current = self._writable(calendar, event_id, if_match)
        if replace:
            merged = copy.deepcopy(body)
        else:
            merged = copy.deepcopy(current)
            _merge(merged, body)
        event = self._build(calendar, merged, event_id, current, by_user=by_user)
        _check_guest_write(current, event)
        return self._write(calendar, event, created=event_id not in calendar.events)

    def delete(self, calendar_id: str, event_id: str, if_match: str | None = None) -> None:
        calendar = self.calendar(calendar_id)
        current = self._writable(calendar, event_id, if_match)
        if current["status"] == "cancelled":
            raise GoogleApiError(410, "deleted")
        # Deleting keeps a cancelled tombstone: incremental sync must report it.
        for stored in list(calendar.events.values()):
            exception = stored.resource
            if exception.get("recurringEventId") == event_id and exception["status"] != "cancelled":
                self._write(calendar, {**exception, "status": "cancelled"}, created=False)
        self._write(calendar, {**copy.deepcopy(current), "status": "cancelled"}, created=False)

    def move(self, calendar_id: str, event_id: str, destination: str) -> dict[str, Any]:
        source = self.calendar(calendar_id)
        target = self.calendar(destination)
        current = self._lookup(source, event_id)
        if event_id not in source.events or "recurringEventId" in current:
            raise bad_request("Cannot change the organizer of an instance.")
        if current["status"] == "cancelled":
            raise GoogleApiError(404, "notFound")
        previous = target.events.get(event_id)
        if previous is not None and previous.resource["status"] != "cancelled":
            raise GoogleApiError(409, "duplicate")
        # The event keeps its id: the source holds a cancelled tombstone, the
        # destination gets the live copy (a move back revives that tombstone).
        self._write(source, {**current, "status": "cancelled"}, created=False)
        moved = self._build(target, current, event_id, None, by_user=True)
        moved["created"] = current["created"]
        return self._write(target, moved, created=False)

    # -- free/busy --------------------------------------------------------------

    def freebusy(self, body: dict[str, Any]) -> dict[str, Any]:
        for name in ("timeMin", "timeMax"):
            if not body.get(name):
                raise GoogleApiError(400, "required", f"Missing {name} parameter.", location=name)
        time_min = parse_rfc3339(body["timeMin"], "timeMin")
        time_max = parse_rfc3339(body["timeMax"], "timeMax")
        if time_max <= time_min:
            raise GoogleApiError(
                400, "timeRangeEmpty", "The specified time range is empty.", domain="calendar"
            )
        if time_max - time_min > MAX_FREEBUSY_RANGE:
            raise GoogleApiError(
                400,
                "timeRangeTooLong",
                "The requested time range is too long.",
                domain="calendar",
            )
        items = body.get("items") or []
        if len(items) > 50:
            raise GoogleApiError(
                400,
                "tooManyCalendarsRequested",
                "The number of calendars requested is too large.",
                domain="calendar",
            )
        zone = zone_of(body.get("timeZone") or "UTC")
        calendars: dict[str, Any] = {}
        for item in items:
            if not isinstance(item, dict) or not item.get("id"):
                raise GoogleApiError(400, "required", "Missing calendar id.", location="items.id")
            try:
                calendar = self.calendar(item["id"])
            except GoogleApiError:
                calendars[item["id"]] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            periods = sorted(self._busy(calendar, time_min, time_max))
            merged: list[list[datetime]] = []
            for start, end in periods:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[item["id"]] = {
                "busy": [{"start": rfc3339(s, zone), "end": rfc3339(e, zone)} for s, e in merged]
            }
        return {
            "kind": "calendar#freeBusy",
            "timeMin": utc_text(time_min),
            "timeMax": utc_text(time_max),
            "calendars": calendars,
        }

    def _busy(
        self, calendar: Calendar, time_min: datetime, time_max: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        for stored in calendar.events.values():
            event = stored.resource
            if "recurrence" in event:
                live = event["status"] != "cancelled"
                candidates = self._series(calendar, event, time_max) if live else []
            else:
                candidates = [event]
            for candidate in candidates:
                if candidate["status"] == "cancelled" or candidate.get("transparency") == (
                    "transparent"
                ):
                    continue
                if any(
                    a.get("self") and a.get("responseStatus") == "declined"
                    for a in candidate.get("attendees", [])
                ):
                    continue
                start, end = self._span(calendar, candidate)
                if end > time_min and start < time_max:
                    # Google clips busy periods to the requested range.
                    yield max(start, time_min), min(end, time_max)


def _shared_attendees(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in a.items() if not (a.get("self") and k in OWN_ANSWER)}
        for a in event.get("attendees", [])
    ]


def _shared_properties(event: dict[str, Any]) -> Any:
    return event.get("extendedProperties", {}).get("shared")


def _check_guest_write(current: dict[str, Any], event: dict[str, Any]) -> None:
    """A guest's copy refuses changes to what the organiser owns."""
    if current.get("organizer", {}).get("self") or current.get("guestsCanModify"):
        return
    keys = (current.keys() | event.keys()) - GUEST_FIELDS
    if (
        any(current.get(k) != event.get(k) for k in keys)
        or _shared_attendees(current) != _shared_attendees(event)
        or _shared_properties(current) != _shared_properties(event)
    ):
        raise GoogleApiError(
            403,
            "forbiddenForNonOrganizer",
            "Shared properties can only be changed by the organizer of the event.",
            domain="calendar",
        )


def require_writer(calendar: Calendar) -> None:
    """A calendar shared read-only (or free/busy only) refuses every write."""
    if calendar.access_role not in WRITER_ROLES:
        raise GoogleApiError(
            403,
            "requiredAccessLevel",
            "You need to have writer access to this calendar.",
            domain="calendar",
        )


def _instant(call: Call, name: str) -> datetime | None:
    value = call.str_param(name)
    return parse_rfc3339(value, name) if value else None


def _updated(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["updated"]).astimezone(UTC)


def _property_filter(constraint: str) -> tuple[str, str]:
    key, sep, value = constraint.partition("=")
    if not sep:
        raise invalid("Invalid extended property constraint.", "privateExtendedProperty")
    return key, value


def _searchable(event: dict[str, Any]) -> str:
    parts = [event.get(k, "") for k in ("summary", "description", "location")]
    for attendee in event.get("attendees", []):
        parts += [attendee.get("email", ""), attendee.get("displayName", "")]
    return "\n".join(parts).lower()
