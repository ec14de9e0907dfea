"""Calendar invites for bookings: the iTIP ``.ics`` and the Google Calendar link.

Pure: no I/O and no clock. The caller passes the moment the invite is issued, so
the same booking state always yields the same bytes (and tests need no freezing).

iTIP (RFC 5546) rules the callers must keep, because calendar clients match
updates by them:

- ``uid`` is the booking's uid for its whole life; a reschedule or cancellation
  with a new UID would leave the old event behind in every calendar.
- ``sequence`` goes up by one for every change that is sent, the cancellation
  included; clients ignore a REQUEST whose SEQUENCE is not higher than the one
  they already hold (Outlook and Apple Calendar strictly, Google mostly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import quote, urlencode

from icalendar import Calendar, Event, vCalAddress

__all__ = [
    "PRODID",
    "Invite",
    "InviteStatus",
    "build_ics",
    "clean_line",
    "clean_text",
    "event_description",
    "google_calendar_url",
]

PRODID = "-//Rendezvous//Booking//EN"

InviteStatus = Literal["confirmed", "cancelled"]

# RFC 5545 3.3.11: TEXT may not contain CONTROL characters other than HTAB (line
# breaks travel escaped as "\n"). The icalendar library writes them through raw,
# and a NUL or a form feed in an invitee's notes makes Outlook reject the whole
# invite, so they are dropped rather than escaped.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_NEWLINES = re.compile("\r\n?")


def clean_text(value: str) -> str:
    """Multi-line text as iCalendar allows it: ``\\n`` line breaks, no control characters."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", value))


def clean_line(value: str) -> str:
    """One line of text (a display name, a subject): whitespace runs become one space."""
    # str.split() also splits on U+2028, U+0085 and the other separators that some
    # parsers treat as line breaks; a name must never spill onto a second line.
    return _CONTROLS.sub("", " ".join(value.split()))


def _check_email(field: str, address: str) -> None:
    if "@" not in address or any(c.isspace() or c in '<>"' for c in address):
        raise ValueError(f"{field} is not an e-mail address: {address!r}")


def _check_url(field: str, url: str | None) -> None:
    # These links end up in href attributes and in calendar descriptions that clients
    # turn into links; anything but http(s) (javascript:, data:) must not get there.
    if url is not None and not url.startswith(("https://", "http://")):
        raise ValueError(f"{field} must be an http(s) URL")


@dataclass(frozen=True, slots=True, kw_only=True)
class Invite:
    """One version of a booking's calendar invite, as sent to every participant.

    ``created`` is when *this version* is issued (DTSTAMP, and the e-mail's Date),
    not when the booking was first made: clients order two versions with the same
    SEQUENCE by DTSTAMP.
    """

    uid: str
    sequence: int
    status: InviteStatus
    title: str
    start: datetime
    end: datetime
    organizer_name: str
    organizer_email: str
    #: ``(name, email)`` pairs; the invitee first, then their guests.
    attendees: tuple[tuple[str, str], ...]
    created: datetime
    #: The event type's description.
    description: str = ""
    location: str | None = None
    join_url: str | None = None
    #: What the invitee wrote when booking.
    notes: str = ""
    #: Where the invitee reschedules or cancels without logging in.
    manage_url: str | None = None

    def __post_init__(self) -> None:
        if not self.uid or any(c.isspace() for c in self.uid):
            raise ValueError("uid must be a non-empty string without whitespace")
        if self.sequence < 0:
            raise ValueError("sequence must not be negative")
        for field in ("start", "end", "created"):
            if getattr(self, field).utcoffset() is None:
                raise ValueError(f"{field} must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if not self.attendees:
            raise ValueError("attendees must hold at least the invitee")
        _check_email("organizer_email", self.organizer_email)
        for _, email in self.attendees:
            _check_email("attendee email", email)
        _check_url("join_url", self.join_url)
        _check_url("manage_url", self.manage_url)

    @property
    def invitee(self) -> tuple[str, str]:
        return self.attendees[0]

    @property
    def method(self) -> Literal["REQUEST", "CANCEL"]:
        return "CANCEL" if self.status == "cancelled" else "REQUEST"

    @property
    def where(self) -> str | None:
        """What goes in LOCATION: the video link wins, because clients make it clickable."""
        return self.join_url or self.location


def event_description(invite: Invite) -> str:
    """The calendar event's body: the same text in the .ics and in the Google link."""
    parts = []
    if invite.description.strip():
        parts.append(clean_text(invite.description))
    if invite.notes.strip():
        parts.append(f"Notes from {clean_line(invite.invitee[0])}:\n{clean_text(invite.notes)}")
    if invite.join_url:
        parts.append(f"Join: {invite.join_url}")
        # LOCATION holds only one value and the join link took it.
        if invite.location:
            parts.append(f"Location: {clean_text(invite.location)}")
    # A cancelled booking's invite stays in calendars: no live capability in it.
    if invite.manage_url and invite.status != "cancelled":
        parts.append(f"Reschedule or cancel: {invite.manage_url}")
    return "\n\n".join(parts)


def _address(name: str, email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    # icalendar quotes the parameter and applies RFC 6868 (^' for ", ^^ for ^), so
    # commas, semicolons and quotes in a name cannot break out of CN. Backslashes
    # go: RFC 5545 has no escapes in parameter values, but parsers (icalendar's own
    # among them) read one anyway, and a name ending in "\" swallowed the next
    # parameter (found by the property test).
    display = clean_line(name).replace("\\", "")
    if display:
        address.params["CN"] = display
    return address


def _attendee(name: str, email: str) -> vCalAddress:
    address = _address(name, email)
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address


def build_ics(invite: Invite) -> bytes:
    """The iTIP message (METHOD:REQUEST, or CANCEL for a cancelled booking) as bytes."""
    event = Event()
    event.add("uid", f"{invite.uid}@rendezvous")
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.created.astimezone(UTC))
    event.add("dtstart", invite.start.astimezone(UTC))
    event.add("dtend", invite.end.astimezone(UTC))
    event.add("summary", clean_text(invite.title))
    description = event_description(invite)
    if description:
        event.add("description", description)
    if invite.where:
        event.add("location", clean_text(invite.where))
    event.add("organizer", _address(invite.organizer_name, invite.organizer_email))
    for name, email in invite.attendees:
        event.add("attendee", _attendee(name, email))
    event.add("status", "CANCELLED" if invite.status == "cancelled" else "CONFIRMED")
    event.add("transp", "OPAQUE")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # typed Any in icalendar
    return ical


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(invite: Invite) -> str:
    """An "add to Google Calendar" link prefilled with the booking."""
    params = {
        "action": "TEMPLATE",
        "text": clean_line(invite.title),
        "dates": f"{_google_time(invite.start)}/{_google_time(invite.end)}",
        "details": event_description(invite),
    }
    if invite.where:
        params["location"] = clean_line(invite.where)
    # Spaces as %20, not "+": "+" means a space only in form encoding, and these
    # links also pass through mail clients and link checkers that do not apply it.
    return "https://calendar.google.com/calendar/render?" + urlencode(params, quote_via=quote)
