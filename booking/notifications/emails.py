"""Booking e-mails (confirmed, rescheduled, cancelled) for the invitee, the host and
each guest the invitee named.

Pure apart from reading the tz database and :func:`email.utils.make_msgid`: nothing
is sent here. The outbox job hands the message to ``integrations.mail`` or, without
an SMTP server, stores and logs it.

One message goes to one recipient, so an SMTP server that refuses one address
never leaves the others half-delivered, and each person sees times in their zone.

Only the invitee's e-mail may carry the signed manage link: it lets whoever holds it
reschedule or cancel. A guest's never does, and no cancellation does either (the
booking is over; its invite must not keep a live capability in calendars).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from booking.notifications.ics import Invite, build_ics, clean_line, clean_text

__all__ = ["Audience", "Kind", "compose"]

Kind = Literal["confirmed", "rescheduled", "cancelled"]
Audience = Literal["invitee", "host", "guest"]

# HTML is escaped by default (and so is anything that is neither .html nor .txt):
# names, notes and reasons are typed by strangers on a public booking page.
_TEMPLATES = Environment(
    loader=PackageLoader("booking.notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# Not strftime("%a"/"%b"): those follow the process locale, and the web layer may set one.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_DASH = "\N{EN DASH}"

_SUBJECT_PREFIX: dict[tuple[Kind, Audience], str] = {
    ("confirmed", "invitee"): "Confirmed",
    ("confirmed", "host"): "New booking",
    ("rescheduled", "invitee"): "Rescheduled",
    ("rescheduled", "host"): "Rescheduled",
    ("cancelled", "invitee"): "Cancelled",
    ("cancelled", "host"): "Cancelled",
    ("confirmed", "guest"): "Invitation",
    ("rescheduled", "guest"): "Rescheduled",
    ("cancelled", "guest"): "Cancelled",
}


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    email: str
    role: str


def _mailbox(name: str, address: str) -> Address:
    # Not Address(addr_spec=...): its parser raises on a local part that is not ASCII
    # (zoë@example.com), which booking accepts and SMTPUTF8 servers deliver.
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def _day(moment: datetime) -> str:
    return f"{_DAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _at(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{_day(local)} at {local:%H:%M} ({zone.key})"


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{_day(first)}, {first:%H:%M} {_DASH} {last:%H:%M} ({zone.key})"
    return f"{_day(first)}, {first:%H:%M} {_DASH} {_day(last)}, {last:%H:%M} ({zone.key})"


def _headline(kind: Kind, audience: Audience, title: str, host: str, invitee: str) -> str:
    if audience == "guest":
        return {
            "confirmed": f"{invitee} invited you to {title} with {host}.",
            "rescheduled": f"{title} with {host} has been rescheduled.",
            "cancelled": f"{title} with {host} has been cancelled.",
        }[kind]
    if audience == "invitee":
        return {
            "confirmed": f"Your booking with {host} is confirmed.",
            "rescheduled": f"Your booking with {host} has been rescheduled.",
            "cancelled": f"Your booking with {host} has been cancelled.",
        }[kind]
    return {
        "confirmed": f"{invitee} booked {title} with you.",
        "rescheduled": f"{invitee} rescheduled {title}.",
        "cancelled": f"{title} with {invitee} has been cancelled.",
    }[kind]


def compose(
    kind: Kind,
    invite: Invite,
    *,
    recipient_name: str,
    recipient_email: str,
    recipient_time_zone: str,
    audience: Audience,
    mail_from: str,
    previous_start: datetime | None = None,
    reason: str = "",
) -> EmailMessage:
    """The e-mail for one recipient, with the invite's .ics inside.

    ``invite.status`` must match ``kind`` (a "Confirmed" mail carrying a CANCEL
    would silently delete the event from the recipient's calendar). For a
    reschedule the caller passes the same uid with a higher sequence, and
    ``previous_start`` to show the old time.
    """
    if (kind == "cancelled") != (invite.status == "cancelled"):
        raise ValueError(f"a {kind!r} e-mail cannot carry a {invite.status!r} invite")
    if previous_start is not None and previous_start.utcoffset() is None:
        raise ValueError("previous_start must be timezone-aware")
    try:
        zone = ZoneInfo(recipient_time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {recipient_time_zone!r}") from exc
    if kind == "cancelled" or audience == "guest":
        invite = replace(invite, manage_url=None)

    title = clean_line(invite.title)
    host = clean_line(invite.organizer_name) or invite.organizer_email
    invitee_name, invitee_email = invite.invitee
    invitee = clean_line(invitee_name) or invitee_email
    # The host recognises a booking by who made it, invitee and guests by whom they meet.
    subject_core = f"{invitee} - {title}" if audience == "host" else f"{title} with {host}"
    subject = f"{_SUBJECT_PREFIX[kind, audience]}: {subject_core} on {_at(invite.start, zone)}"

    live = kind != "cancelled"
    people = [_Person(host, invite.organizer_email, "Host")]
    people.append(_Person(invitee, invitee_email, "Invitee"))
    people.extend(
        _Person(clean_line(name) or email, email, "Guest") for name, email in invite.attendees[1:]
    )
    context = {
        "greeting_name": clean_line(recipient_name),
        "headline": _headline(kind, audience, title, host, invitee),
        "title": title,
        "when": _span(invite.start, invite.end, zone),
        "previous_when": (
            _at(previous_start, zone)
            if kind == "rescheduled" and previous_start is not None
            else None
        ),
        "reason": clean_text(reason).strip(),
        "people": people,
        "location": clean_text(invite.location) if invite.location else None,
        # A cancelled meeting's join link only invites people into an empty room.
        "join_url": invite.join_url if live else None,
        "manage_url": invite.manage_url,
        "description": clean_text(invite.description).strip(),
        "notes": clean_text(invite.notes).strip(),
        "notes_label": "Your notes" if audience == "invitee" else f"Notes from {invitee}",
        "cancelled": not live,
    }

    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = _mailbox(clean_line(recipient_name), recipient_email)
    # Replies reach the other person, not the no-reply sender; a guest's, the host.
    if audience == "host":
        message["Reply-To"] = _mailbox(invitee, invitee_email)
    else:
        message["Reply-To"] = _mailbox(host, invite.organizer_email)
    message["Subject"] = subject
    message["Date"] = invite.created
    message["Message-ID"] = make_msgid(domain="rendezvous")
    # RFC 3834 keeps well-behaved vacation responders quiet; Exchange ignores it and
    # reads only its own header.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"

    # Quoted-printable, not the email package's default "8bit" for non-ASCII text: an
    # 8-bit body needs BODY=8BITMIME (RFC 6152), and the message is serialised before
    # anyone knows whether the SMTP server offers it.
    message.set_content(
        _TEMPLATES.get_template("booking_email.txt").render(context), cte="quoted-printable"
    )
    message.add_alternative(
        _TEMPLATES.get_template("booking_email.html").render(context),
        subtype="html",
        cte="quoted-printable",
    )
    ics = build_ics(invite)
    # The invite goes in twice because clients look in different places: Outlook
    # acts on the text/calendar alternative (and needs method= on its Content-Type),
    # Gmail and Apple Mail on the .ics attachment. Passed as bytes, the email package
    # sends it base64 and byte-exact (CRLF line ends, folding) instead of re-encoding it.
    message.add_alternative(
        ics,
        maintype="text",
        subtype="calendar",
        params={"method": invite.method, "charset": "UTF-8"},
    )
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message
