"""An ICS feed served over real HTTP on 127.0.0.1, as a publisher (Google's secret
address, an Outlook published calendar) serves it: ETag and Last-Modified on every
answer, 304 to a matching conditional request, and hands to edit the calendar and
inject faults."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.integrations.net.servers import Reply, Seen, Site, drip


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class FeedServer:
    site: Site = field(default_factory=Site)
    path: str = "/calendars/secret-0123456789/basic.ics"
    name: str = "Team calendar"
    #: uid -> the VEVENT's lines (without BEGIN/END).
    events: dict[str, list[str]] = field(default_factory=dict)
    #: Whole components added verbatim (VTIMEZONE, VFREEBUSY ...).
    extra: list[str] = field(default_factory=list)
    #: Served instead of the calendar while set (a broken feed).
    body_override: bytes | None = None
    validators: bool = True
    _faults: list[Reply] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.site.pages[self.path] = self._serve

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.site.port}{self.path}"

    @property
    def requests(self) -> list[Seen]:
        return [s for s in self.site.seen if s.path.startswith("/calendars/")]

    def body(self) -> bytes:
        if self.body_override is not None:
            return self.body_override
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Feed server//EN"]
        lines.append(f"X-WR-CALNAME:{self.name}")
        text = "\r\n".join(lines) + "\r\n" + "".join(self.extra)
        for uid, props in self.events.items():
            text += "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", *props, "END:VEVENT"]) + "\r\n"
        return (text + "END:VCALENDAR\r\n").encode()

    def _serve(self, seen: Seen) -> Reply:
        if self._faults:
            return self._faults.pop(0)
        body = self.body()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if not self.validators:
            return Reply(200, {"Content-Type": "text/calendar; charset=utf-8"}, body)
        if seen.headers.get("if-none-match") == etag:
            return Reply(304, {"ETag": etag})
        headers = {"Content-Type": "text/calendar; charset=utf-8", "ETag": etag}
        return Reply(200, headers, body)

    # -- the publisher's hands --------------------------------------------------------

    def add(
        self,
        summary: str,
        start: datetime,
        end: datetime,
        *props: str,
        uid: str | None = None,
    ) -> str:
        uid = uid or f"event-{next(self._ids)}@feed.test"
        self.events[uid] = [
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{_stamp(start)}",
            f"DTEND:{_stamp(end)}",
            f"SUMMARY:{summary}",
            *props,
        ]
        return uid

    def rename(self, uid: str, summary: str) -> None:
        self.events[uid] = [p for p in self.events[uid] if not p.startswith("SUMMARY:")] + [
            f"SUMMARY:{summary}"
        ]

    def fail_next(self, status: int, headers: dict[str, str] | None = None) -> None:
        self._faults.append(Reply(status, headers or {}, b"failure"))

    def stall_next(self) -> None:
        """The next answer starts and never finishes (a byte every half second)."""
        self._faults.append(Reply(200, {"Content-Type": "text/calendar"}, drip(100, every=0.5)))

    def move(self, new_path: str) -> None:
        """The publisher moves the feed and redirects the old address to it."""
        old, self.path = self.path, new_path
        self.site.pages[new_path] = self._serve
        self.site.pages[old] = lambda _seen: Reply(301, {"Location": new_path})

    def close(self) -> None:
        self.site.close()
