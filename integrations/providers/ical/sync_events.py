"""VEVENT <-> ``EventFields`` + ``OurTag``: the linked CalDAV calendar's codec (pure).

Field map (``integrations/sync/items.py`` names on the left):

- title: ``SUMMARY``; location: ``LOCATION``; description: ``DESCRIPTION``, which we
  write with the link back to the activity as its last line (after a blank line)
  and read with that line stripped again.
- start/end: ``DTSTART``/``DTEND`` in UTC, or ``VALUE=DATE`` for all-day events
  (whose dates read back as midnight UTC of each date; written, a start's date is
  the date it names in its own zone). ``DURATION`` is read, and replaced on write.
- guests: ``ATTENDEE;PARTSTAT=...;SCHEDULE-AGENT=CLIENT:mailto:...``. The
  ``SCHEDULE-AGENT=CLIENT`` parameter (RFC 6638 7.1) tells a scheduling server that
  the client handles invitations itself, so it sends no iTIP mail: nobody is
  e-mailed by our writes.
- show_as: free <-> ``TRANSP:TRANSPARENT``, tentative <-> ``STATUS:TENTATIVE``,
  busy <-> ``TRANSP:OPAQUE``.
- private: ``CLASS:PRIVATE`` (``CONFIDENTIAL`` reads as private too). A private event
  without our tag reads as "Busy" with no details: they are never stored.
- our tag: ``X-RENDEZVOUS-OWNER`` and ``X-RENDEZVOUS-ACTIVITY``, X- properties every
  client keeps and none shows.
- the host organises an event without ``ORGANIZER`` or with the account's address.

Remote ids: the UID for a single event; for one occurrence of a series the UID, a
colon, and its RECURRENCE-ID: UTC basic format ``20261201T090000Z`` for zoned times,
``20261201T090000`` for floating ones, ``20261201`` for all-day ones (the ids the
busy-block store uses too, :attr:`.expand.Occurrence.remote_id`). The series id is
the UID. A UID that itself ends in a colon and such a stamp is read as an occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final

import icalendar
import msgspec

from integrations.accounts.errors import BadResponse
from integrations.calendars.provider import SyncWindow
from integrations.providers.ical.expand import expand
from integrations.sync.items import FIELD_NAMES, CalendarItem, EventFields, Guest, OurTag, ShowAs

__all__ = [
    "PRIVATE_TITLE",
    "TAG_ACTIVITY",
    "TAG_OWNER",
    "Codec",
    "UnreadableResource",
    "occurrence_id",
    "split_id",
]

TAG_OWNER: Final = "X-RENDEZVOUS-OWNER"
TAG_ACTIVITY: Final = "X-RENDEZVOUS-ACTIVITY"
PRIVATE_TITLE: Final = "Busy"
_HIDDEN: Final = frozenset({"PRIVATE", "CONFIDENTIAL"})
_STAMP: Final = re.compile(r"^(?P<uid>.+):(?P<stamp>\d{8}(?:T\d{6}Z?)?)$")
_RECURRENCE: Final = ("RRULE", "RDATE", "EXDATE", "EXRULE")
_TO_PARTSTAT: Final = {
    "needsAction": "NEEDS-ACTION",
    "accepted": "ACCEPTED",
    "declined": "DECLINED",
    "tentative": "TENTATIVE",
}
_FROM_PARTSTAT: Final = {v: k for k, v in _TO_PARTSTAT.items()}


class UnreadableResource(BadResponse):
    """A resource whose events cannot be expanded (the reason says why)."""


def occurrence_id(uid: str, stamp: str | None) -> str:
    return uid if stamp is None else f"{uid}:{stamp}"


def split_id(remote_id: str) -> tuple[str, str | None]:
    """(UID, RECURRENCE-ID stamp or None)."""
    match = _STAMP.match(remote_id)
    if match is None:
        return remote_id, None
    return match["uid"], match["stamp"]


def _stamp(value: date | datetime) -> str:
    """A RECURRENCE-ID as an id part (the format of .expand's ``_recurrence_id``)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, datetime):
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def _value_of_stamp(stamp: str, like: object) -> date | datetime:
    """The RECURRENCE-ID / EXDATE value for ``stamp`` in the form of the master's
    DTSTART ``like`` (its zone, or a date)."""
    if len(stamp) == 8:
        return datetime.strptime(stamp, "%Y%m%d").replace(tzinfo=UTC).date()
    if stamp.endswith("Z"):
        moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if isinstance(like, datetime) and like.tzinfo is not None:
            return moment.astimezone(like.tzinfo)
        return moment
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S")  # noqa: DTZ007 - floating, as written


def _text(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _upper(component: icalendar.Component, name: str) -> str:
    return _text(component, name).strip().upper()


def _address(value: object) -> str:
    text = str(value).strip()
    return text[7:] if text.lower().startswith("mailto:") else text


def _many(component: icalendar.Component, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _tag(component: icalendar.Component) -> OurTag | None:
    try:
        owner = int(_text(component, TAG_OWNER))
        activity = int(_text(component, TAG_ACTIVITY))
    except ValueError:
        return None
    return OurTag(owner_id=owner, activity_id=activity)


def _set(component: icalendar.Component, name: str, value: object) -> None:
    component.pop(name, None)
    component.add(name, value)


def _span(component: icalendar.Component) -> tuple[date | datetime, date | datetime] | None:
    start = getattr(component.get("DTSTART"), "dt", None)
    if not isinstance(start, date):
        return None
    end = getattr(component.get("DTEND"), "dt", None)
    duration = getattr(component.get("DURATION"), "dt", None)
    if isinstance(end, date):
        return start, end
    if isinstance(duration, timedelta):
        return start, start + duration
    # RFC 5545 3.6.1: a day for a date, an instant for a date-time.
    return start, (start if isinstance(start, datetime) else start + timedelta(days=1))


@dataclass(frozen=True)
class Codec:
    """Reads and writes events for one account (its address decides who organises)."""

    account_email: str
    #: ``link_for(activity_id)``: the link back appended to what we write.
    link_for: Callable[[int], str]
    #: Where floating times are read.
    zone: tzinfo = field(default=UTC)

    # -- reading -------------------------------------------------------------------------

    def _instant(self, value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            placed = value if value.tzinfo is not None else value.replace(tzinfo=self.zone)
            return placed.astimezone(UTC)
        return datetime.combine(value, time(0), tzinfo=UTC)

    def _strip_link(self, text: str, tag: OurTag | None) -> str:
        if tag is None:
            return text
        link = self.link_for(tag.activity_id)
        trimmed = text.rstrip()
        if trimmed == link:
            return ""
        for separator in ("\n\n", "\n"):
            if trimmed.endswith(separator + link):
                return trimmed[: -len(separator + link)]
        return text

    def _with_link(self, text: str, tag: OurTag | None) -> str:
        if tag is None:
            return text
        link = self.link_for(tag.activity_id)
        return f"{text}\n\n{link}" if text else link

    def _organised_by_host(self, component: icalendar.Component) -> bool:
        organiser = component.get("ORGANIZER")
        if organiser is None or not _address(organiser):
            return True
        return _address(organiser).casefold() == self.account_email.casefold()

    def fields_of(
        self,
        component: icalendar.Component,
        start: date | datetime,
        end: date | datetime,
        tag: OurTag | None,
    ) -> EventFields:
        klass = _upper(component, "CLASS")
        private = klass in _HIDDEN
        show_as: ShowAs = "busy"
        if _upper(component, "TRANSP") == "TRANSPARENT":
            show_as = "free"
        elif _upper(component, "STATUS") == "TENTATIVE":
            show_as = "tentative"
        hidden = EventFields(
            title=PRIVATE_TITLE,
            start=self._instant(start),
            end=self._instant(end),
            all_day=not isinstance(start, datetime),
            show_as=show_as,
            private=private,
        )
        if private and tag is None:
            return hidden
        guests = tuple(
            Guest(
                email=_address(a),
                response=_FROM_PARTSTAT.get(
                    str(getattr(a, "params", {}).get("PARTSTAT", "NEEDS-ACTION")).upper(),
                    "needsAction",
                ),
            )
            for a in _many(component, "ATTENDEE")
            if _address(a)
        )
        return msgspec.structs.replace(
            hidden,
            title=_text(component, "SUMMARY"),
            location=_text(component, "LOCATION"),
            description=self._strip_link(_text(component, "DESCRIPTION"), tag),
            guests=guests,
        )

    def _item(
        self,
        uid: str,
        stamp: str | None,
        etag: str,
        source: icalendar.Component,
        span: tuple[date | datetime, date | datetime],
        master: icalendar.Component | None,
    ) -> CalendarItem:
        tag = _tag(source) or (_tag(master) if master is not None else None)
        organiser_source = (
            source if source.get("ORGANIZER") is not None or master is None else master
        )
        return CalendarItem(
            remote_id=occurrence_id(uid, stamp),
            etag=etag,
            fields=self.fields_of(source, span[0], span[1], tag),
            host_is_organiser=self._organised_by_host(organiser_source),
            organiser=_address(organiser_source.get("ORGANIZER")) or ""
            if organiser_source.get("ORGANIZER") is not None
            else "",
            series_id=uid if stamp is not None else None,
            original_start=self._instant(_value_of_stamp(stamp, None)) if stamp else None,
            tag=tag,
        )

    def items(
        self, calendar: icalendar.Calendar, etag: str, window: SyncWindow
    ) -> list[CalendarItem]:
        """Every occurrence in ``window`` but cancelled ones, one item each. Raises
        :class:`UnreadableResource`."""
        expansion = expand(calendar, window)
        if expansion.unreadable:
            raise UnreadableResource("; ".join(u.reason for u in expansion.unreadable))
        masters, overrides = _sources(calendar)
        found: list[CalendarItem] = []
        for occurrence in expansion.occurrences:
            if occurrence.fb_type is not None or occurrence.status == "CANCELLED":
                continue
            stamp = occurrence.recurrence_id
            master = masters.get(occurrence.uid)
            source = overrides.get((occurrence.uid, stamp)) if stamp is not None else None
            source = source if source is not None else master
            if source is None:
                continue
            span = (occurrence.start, occurrence.end)
            found.append(self._item(occurrence.uid, stamp, etag, source, span, master))
        return found

    def item(self, calendar: icalendar.Calendar, etag: str, remote_id: str) -> CalendarItem | None:
        """The event or occurrence ``remote_id`` wherever it starts; None when the
        resource does not hold it (any more), or it is cancelled."""
        uid, stamp = split_id(remote_id)
        masters, overrides = _sources(calendar)
        master = masters.get(uid)
        if stamp is None:
            if master is None or any(n in master for n in _RECURRENCE):
                return None  # a series now: the single event's id is gone
            span = _span(master)
            if span is None or _upper(master, "STATUS") == "CANCELLED":
                return None
            return self._item(uid, None, etag, master, span, None)
        override = overrides.get((uid, stamp))
        if override is not None:
            span = _span(override)
            if span is None or _upper(override, "STATUS") == "CANCELLED":
                return None
            return self._item(uid, stamp, etag, override, span, master)
        if master is None:
            return None
        original = self._instant(_value_of_stamp(stamp, None))
        around = SyncWindow(original - timedelta(days=2), original + timedelta(days=2))
        for candidate in self.items(calendar, etag, around):
            if candidate.remote_id == remote_id:
                return candidate
        return None

    # -- writing -------------------------------------------------------------------------

    def new_calendar(self, uid: str, fields: EventFields, tag: OurTag) -> icalendar.Calendar:
        calendar = icalendar.Calendar()
        calendar.add("PRODID", "-//Rendezvous//Calendar sync//EN")
        calendar.add("VERSION", "2.0")
        event = icalendar.Event()
        event.add("UID", uid)
        event.add("DTSTAMP", datetime.now(UTC))
        event.add("SEQUENCE", 0)
        _set_tag(event, tag)
        self.write(event, fields, FIELD_NAMES, tag)
        calendar.add_component(event)
        return calendar

    def write(
        self,
        event: icalendar.Component,
        fields: EventFields,
        names: Iterable[str],
        tag: OurTag | None,
    ) -> None:
        """Set the properties of ``names`` (EventFields names) from ``fields`` and
        leave every other property as it is."""
        wanted = set(names)
        if "title" in wanted:
            _set(event, "SUMMARY", fields.title)
        if wanted & {"start", "end", "all_day"}:
            event.pop("DURATION", None)
            if fields.all_day:
                first = fields.start.date()
                last = max(fields.end.date(), first + timedelta(days=1))
                _set(event, "DTSTART", first)
                _set(event, "DTEND", last)
            else:
                _set(event, "DTSTART", fields.start.astimezone(UTC))
                _set(event, "DTEND", fields.end.astimezone(UTC))
        if "location" in wanted:
            event.pop("LOCATION", None)
            if fields.location:
                event.add("LOCATION", fields.location)
        if "description" in wanted:
            event.pop("DESCRIPTION", None)
            text = self._with_link(fields.description, tag)
            if text:
                event.add("DESCRIPTION", text)
        if "guests" in wanted:
            self._write_guests(event, fields.guests)
        if "show_as" in wanted:
            _set(event, "TRANSP", "TRANSPARENT" if fields.show_as == "free" else "OPAQUE")
            if fields.show_as == "tentative":
                _set(event, "STATUS", "TENTATIVE")
            elif _upper(event, "STATUS") == "TENTATIVE":
                _set(event, "STATUS", "CONFIRMED")
        if "private" in wanted:
            if fields.private and _upper(event, "CLASS") not in _HIDDEN:
                _set(event, "CLASS", "PRIVATE")
            elif not fields.private:
                event.pop("CLASS", None)

    def _write_guests(self, event: icalendar.Component, guests: Iterable[Guest]) -> None:
        before = {_address(a).casefold(): a for a in _many(event, "ATTENDEE")}
        event.pop("ATTENDEE", None)
        listed = list(guests)
        for guest in listed:
            old = before.get(guest.email.casefold())
            params = {str(k): str(v) for k, v in getattr(old, "params", {}).items()}
            params["PARTSTAT"] = _TO_PARTSTAT.get(guest.response, "NEEDS-ACTION")
            # RFC 6638 7.1: the client schedules, so the server e-mails nobody.
            params["SCHEDULE-AGENT"] = "CLIENT"
            event.add("ATTENDEE", f"mailto:{guest.email}", parameters=params)
        if listed and event.get("ORGANIZER") is None:
            # RFC 5545: an event with attendees names its organiser.
            event.add(
                "ORGANIZER", f"mailto:{self.account_email}", parameters={"SCHEDULE-AGENT": "CLIENT"}
            )

    def update(
        self,
        calendar: icalendar.Calendar,
        remote_id: str,
        fields: EventFields,
        changed: Iterable[str],
        tag: OurTag | None,
        occurrence: EventFields | None = None,
    ) -> bool:
        """Write ``changed`` of ``fields`` to the event or occurrence ``remote_id`` of
        ``calendar`` (an occurrence not yet an exception becomes one, with
        ``occurrence``'s times: what it was until now). False when the calendar does
        not hold it."""
        uid, stamp = split_id(remote_id)
        masters, overrides = _sources(calendar)
        master = masters.get(uid)
        target = master if stamp is None else overrides.get((uid, stamp))
        if target is None and stamp is not None and master is not None:
            target = _exception(master, stamp, occurrence or fields)
            calendar.add_component(target)
        if target is None:
            return False
        names = set(changed)
        old_tag = _tag(target) or (_tag(master) if master is not None else None)
        new_tag = tag or old_tag
        if tag is not None:
            _set_tag(target, tag)
            if "description" not in names:
                # The link back follows the tag: the text the host typed stays.
                kept = self._strip_link(_text(target, "DESCRIPTION"), old_tag)
                self.write(
                    target, msgspec.structs.replace(fields, description=kept), ("description",), tag
                )
        self.write(target, fields, names, new_tag)
        _set(target, "DTSTAMP", datetime.now(UTC))
        _client_scheduled(calendar)
        return True

    def cancel(self, calendar: icalendar.Calendar, remote_id: str) -> bool:
        """Cancel one occurrence (an EXDATE on the master, its exception dropped).
        False when no event of its series is left in the calendar."""
        uid, stamp = split_id(remote_id)
        if stamp is None:
            return False
        masters, overrides = _sources(calendar)
        override = overrides.get((uid, stamp))
        if override is not None:
            calendar.subcomponents.remove(override)
        master = masters.get(uid)
        if master is not None:
            like = getattr(master.get("DTSTART"), "dt", None)
            master.add("EXDATE", _value_of_stamp(stamp, like))
            _set(master, "DTSTAMP", datetime.now(UTC))
        _client_scheduled(calendar)
        return any(_uid(e) == uid for e in calendar.walk("VEVENT"))


def _client_scheduled(calendar: icalendar.Calendar) -> None:
    """Every attendee of the resource ``SCHEDULE-AGENT=CLIENT`` before we put it back:
    the ones another app wrote carry none, and a scheduling server mails each such
    attendee of a resource the organiser changes (RFC 6638 3.2.1), ours or not.
    The parameter stays: that server leaves those attendees to the apps from then
    on, the price of a sync write that mails nobody."""
    for event in calendar.walk("VEVENT"):
        for attendee in _many(event, "ATTENDEE"):
            params = getattr(attendee, "params", None)
            if params is not None:
                params["SCHEDULE-AGENT"] = "CLIENT"


def _uid(component: icalendar.Component) -> str:
    return _text(component, "UID").strip()


def _set_tag(event: icalendar.Component, tag: OurTag) -> None:
    _set(event, TAG_OWNER, str(tag.owner_id))
    _set(event, TAG_ACTIVITY, str(tag.activity_id))


def _sources(
    calendar: icalendar.Calendar,
) -> tuple[dict[str, icalendar.Component], dict[tuple[str, str], icalendar.Component]]:
    """The masters (or single events) by UID, and the exceptions by (UID, stamp)."""
    masters: dict[str, icalendar.Component] = {}
    overrides: dict[tuple[str, str], icalendar.Component] = {}
    for event in calendar.walk("VEVENT"):
        recurrence = getattr(event.get("RECURRENCE-ID"), "dt", None)
        if isinstance(recurrence, date):
            overrides[(_uid(event), _stamp(recurrence))] = event
        else:
            masters.setdefault(_uid(event), event)
    return masters, overrides


def _exception(master: icalendar.Component, stamp: str, was: EventFields) -> icalendar.Component:
    """A new exception of the occurrence ``stamp``: the master's values, its times."""
    copy = icalendar.Event.from_ical(master.to_ical())
    if not isinstance(copy, icalendar.Component):  # from_ical of one component is one
        raise TypeError("a VEVENT did not parse back as one")
    for name in (*_RECURRENCE, "DTSTART", "DTEND", "DURATION", "RECURRENCE-ID"):
        copy.pop(name, None)
    like = getattr(master.get("DTSTART"), "dt", None)
    copy.add("RECURRENCE-ID", _value_of_stamp(stamp, like))
    if was.all_day:
        copy.add("DTSTART", was.start.date())
        copy.add("DTEND", max(was.end.date(), was.start.date() + timedelta(days=1)))
    else:
        copy.add("DTSTART", was.start.astimezone(UTC))
        copy.add("DTEND", was.end.astimezone(UTC))
    return copy
