"""The CalDAV linked calendar on a real Radicale server.

The user's hands write iCalendar straight to Radicale over HTTP, as a phone's
calendar app would, naming resources as such apps do (not after the UID). The
adapter talks to Radicale through the harness's loopback front
(tests/integrations/providers/caldav/radicale.py), which answers an injected status
once when asked (Radicale cannot fail on demand) and sees every body we send: it
counts the attendees our writes would let a scheduling server invite by e-mail
(those without ``SCHEDULE-AGENT=CLIENT``; Radicale itself never schedules).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import icalendar

from integrations.net.guard import AddressPolicy
from integrations.providers.caldav.client import CalDavProvider
from integrations.providers.caldav.linked import CalDavLinkedCalendar
from integrations.providers.ical.sync_events import split_id
from integrations.sync.items import EventFields
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Fault, Radicale

LINKED = "calendar"
OTHER = "other"
HOST_EMAIL = "user@radicale.test"

#: The linked calendar shared read-only with the host; everything else stays theirs.
READ_ONLY_RIGHTS = f"""
[linked]
user: .+
collection: {{user}}/{LINKED}(/.*)?
permissions: r

[principal]
user: .+
collection: {{user}}
permissions: RW

[calendars]
user: .+
collection: {{user}}/[^/]+(/.*)?
permissions: rw

[root]
user: .+
collection:
permissions: R
"""

_PROPERTY = {"title": "SUMMARY", "location": "LOCATION", "description": "DESCRIPTION"}


def link_for(activity_id: int) -> str:
    return f"https://crm.example.com/activities/{activity_id}"


class CountingRadicale(Radicale):
    """Radicale whose front counts attendees our PUTs leave to server scheduling."""

    unscheduled_attendees = 0

    def next_fault(self, method: str, body: bytes) -> Fault | None:
        if method == "PUT" and body.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
            calendar = icalendar.Calendar.from_ical(body)
            for event in calendar.walk("VEVENT"):
                attendees = event.get("ATTENDEE")
                listed = attendees if isinstance(attendees, list) else [attendees]
                for attendee in (a for a in listed if a is not None):
                    agent = str(getattr(attendee, "params", {}).get("SCHEDULE-AGENT", "SERVER"))
                    if agent.upper() != "CLIENT":
                        self.unscheduled_attendees += 1
        return super().next_fault(method, body)


def _when(event: icalendar.Component, start: datetime, end: datetime, all_day: bool) -> None:
    for name in ("DTSTART", "DTEND", "DURATION"):
        event.pop(name, None)
    if all_day:
        event.add("DTSTART", start.date())
        event.add("DTEND", end.date())
    else:
        event.add("DTSTART", start.astimezone(UTC))
        event.add("DTEND", end.astimezone(UTC))


def _apply(event: icalendar.Component, changes: dict[str, object]) -> None:
    start = changes.get("start", getattr(event.get("DTSTART"), "dt", None))
    end = changes.get("end", getattr(event.get("DTEND"), "dt", None))
    for name, value in changes.items():
        if name in _PROPERTY:
            event.pop(_PROPERTY[name], None)
            event.add(_PROPERTY[name], str(value))
        elif name not in ("start", "end"):
            raise ValueError(f"the harness cannot edit {name!r}")
    if "start" in changes or "end" in changes:
        assert isinstance(start, datetime)
        assert isinstance(end, datetime)
        _when(event, start, end, all_day=False)
    event.pop("DTSTAMP", None)
    event.add("DTSTAMP", datetime.now(UTC))


class CalDavLinkedHarness:
    name = "caldav"
    host_email = HOST_EMAIL

    def __init__(self, dav: CountingRadicale) -> None:
        self.dav = dav
        client = CalDavProvider(dav.url, USER, PASSWORD, AddressPolicy(allow_private=True))
        self.calendar = CalDavLinkedCalendar(
            client,
            dav.url.rstrip("/") + dav.calendar_path(LINKED),
            account_email=HOST_EMAIL,
            link_for=link_for,
        )
        self._ids = itertools.count(1)
        #: UID -> the file name the "phone" gave its resource.
        self._names: dict[str, str] = {}

    # -- the user's hands -------------------------------------------------------------

    def resource_name(self, uid: str) -> str:
        return self._names.get(uid, uid)

    def _read(self, uid: str) -> icalendar.Calendar:
        calendar = icalendar.Calendar.from_ical(
            self.dav.get(self.resource_name(uid), calendar=LINKED)
        )
        assert isinstance(calendar, icalendar.Calendar)
        return calendar

    def _write(self, uid: str, calendar: icalendar.Calendar) -> None:
        self.dav.put(calendar.to_ical().decode(), uid=self.resource_name(uid), calendar=LINKED)

    def user_creates(
        self,
        fields: EventFields,
        *,
        organiser: str | None = None,
        daily_count: int | None = None,
    ) -> str:
        n = next(self._ids)
        uid = f"{n:04d}-phone@radicale.test"
        event = icalendar.Event()
        event.add("UID", uid)
        event.add("DTSTAMP", datetime.now(UTC))
        event.add("SUMMARY", fields.title)
        _when(event, fields.start, fields.end, fields.all_day)
        if fields.location:
            event.add("LOCATION", fields.location)
        if fields.description:
            event.add("DESCRIPTION", fields.description)
        if fields.private:
            event.add("CLASS", "PRIVATE")
        if fields.show_as == "free":
            event.add("TRANSP", "TRANSPARENT")
        elif fields.show_as == "tentative":
            event.add("STATUS", "TENTATIVE")
        if organiser is not None:
            event.add("ORGANIZER", f"mailto:{organiser}")
        for guest in fields.guests:
            partstat = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}
            event.add(
                "ATTENDEE",
                f"mailto:{guest.email}",
                parameters={"PARTSTAT": partstat.get(guest.response, "NEEDS-ACTION")},
            )
        if daily_count is not None:
            event.add("RRULE", {"FREQ": "DAILY", "COUNT": daily_count})
        calendar = icalendar.Calendar()
        calendar.add("PRODID", "-//Phone//Calendar//EN")
        calendar.add("VERSION", "2.0")
        calendar.add_component(event)
        # Phones name resources as they like; the adapter must find them by UID.
        self._names[uid] = f"phone-{n:04d}"
        self._write(uid, calendar)
        return uid

    def user_edits(self, remote_id: str, **changes: object) -> None:
        calendar = self._read(remote_id)
        master = next(e for e in calendar.walk("VEVENT") if e.get("RECURRENCE-ID") is None)
        _apply(master, changes)
        self._write(remote_id, calendar)

    def user_edits_occurrence(
        self, series_id: str, original_start: datetime, **changes: object
    ) -> None:
        calendar = self._read(series_id)
        master = next(e for e in calendar.walk("VEVENT") if e.get("RECURRENCE-ID") is None)
        start = getattr(master.get("DTSTART"), "dt", None)
        end = getattr(master.get("DTEND"), "dt", None)
        assert isinstance(start, datetime)
        assert isinstance(end, datetime)
        length = end - start
        exception = icalendar.Event()
        for name in ("UID", "SUMMARY", "LOCATION", "DESCRIPTION"):
            if name in master:
                exception.add(name, master[name])
        exception.add("RECURRENCE-ID", original_start.astimezone(UTC))
        _when(exception, original_start, original_start + length, False)
        _apply(exception, changes)
        calendar.add_component(exception)
        self._write(series_id, calendar)

    def user_deletes(self, remote_id: str) -> None:
        self.dav.delete(self.resource_name(remote_id), calendar=LINKED)

    def user_moves_out(self, remote_id: str) -> None:
        text = self.dav.get(self.resource_name(remote_id), calendar=LINKED)
        self.dav.put(text, uid=self.resource_name(remote_id), calendar=OTHER)
        self.dav.delete(self.resource_name(remote_id), calendar=LINKED)

    # -- the server ----------------------------------------------------------------------

    def make_read_only(self) -> None:
        self.dav.restart_with_rights(READ_ONLY_RIGHTS)

    def expire_state(self) -> None:
        # Radicale answers a token whose history it dropped (its cache cleanup) with
        # 403 DAV:valid-sync-token, once the calendar changed since.
        self.dav.forget_sync_tokens(LINKED)
        self.dav.add(
            "Changed meanwhile",
            datetime(2030, 1, 1, 9, tzinfo=UTC),
            datetime(2030, 1, 1, 10, tzinfo=UTC),
            calendar=LINKED,
        )

    def fail_next(self, status: int, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.dav.fail_next(status, headers)

    def notifications_sent(self) -> int:
        return self.dav.unscheduled_attendees

    def raw_description(self, remote_id: str) -> str:
        calendar = self._read(split_id(remote_id)[0])
        master = next(e for e in calendar.walk("VEVENT") if e.get("RECURRENCE-ID") is None)
        return str(master.get("DESCRIPTION", ""))


@contextmanager
def linked_harness(tmp_path: Path) -> Iterator[CalDavLinkedHarness]:
    dav = CountingRadicale(tmp_path / "radicale", calendars=(LINKED, OTHER))
    with dav:
        yield CalDavLinkedHarness(dav)
