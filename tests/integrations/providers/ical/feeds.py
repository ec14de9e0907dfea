"""iCalendar text for the tests, in the shapes real exporters produce (PROVIDERS.md:
Outlook's Windows zones, Google's floating times + X-WR-TIMEZONE, overrides before
their master, DURATION instead of DTEND)."""

from __future__ import annotations

from collections.abc import Iterable


def vcalendar(*components: str, extra: Iterable[str] = ()) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rendezvous tests//EN", *extra]
    body = "\r\n".join(lines) + "\r\n" + "".join(components) + "END:VCALENDAR\r\n"
    return body.encode()


def vevent(uid: str, *props: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *props]) + (
        "\r\nEND:VEVENT\r\n"
    )


#: Outlook's own definition of a zone it names in Windows terms.
OUTLOOK_ZONE = (
    "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:Customised Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:16010101T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    )
    + "\r\n"
)
