"""A real Radicale server on loopback, behind a thin front that can inject faults.

Radicale (a real RFC 4791 / RFC 6578 server) answers every request; the front in
this process only forwards bytes, unless a fault was queued for the next request:
an HTTP status with headers, a 207 whose body is not XML, or (``sync_collection``
off) the answer of a server without RFC 6578, a 403 ``DAV:supported-report`` to a
``sync-collection`` REPORT, and (``sync_data`` off) a server that sends no
calendar-data in sync-collection answers. That is all it simulates; every other answer, 401 to a
wrong password included, is Radicale's own.

The user's hands (``put``, ``delete``) write through Radicale over HTTP, as a
phone's calendar app would.
"""

from __future__ import annotations

import http.client
import itertools
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import niquests

from tests.servers import free_port

USER = "user"
PASSWORD = "app-password"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(uid: str, summary: str, start: datetime, end: datetime, *props: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Radicale test//EN", "BEGIN:VEVENT",
             f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp(start)}",
             f"DTEND:{stamp(end)}", f"SUMMARY:{summary}", *props, "END:VEVENT",
             "END:VCALENDAR"]  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


@dataclass
class Fault:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Seconds the front stalls before answering (a server that hangs).
    stall: float = 0.0


class _Front(BaseHTTPRequestHandler):
    server: _FrontServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        radicale = self.server.radicale
        radicale.seen.append((self.command, self.path))
        if not radicale.sync_data and self.command == "REPORT" and b"sync-collection" in body:
            # A server that does not send calendar-data in a sync-collection answer.
            body = re.sub(rb"<C:calendar-data\s*/>", b"", body)
        fault = radicale.next_fault(self.command, body)
        if fault is not None:
            if fault.stall:
                time.sleep(fault.stall)  # the server side hanging, not the test waiting
            self.send_response(fault.status)
            for name, value in fault.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(fault.body)))
            self.end_headers()
            self.wfile.write(fault.body)
            return
        upstream = http.client.HTTPConnection("127.0.0.1", radicale.port, timeout=900)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Host"] = f"127.0.0.1:{radicale.port}"
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(body))  # the body may have been changed
        upstream.request(self.command, self.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _relay
    do_MKCOL = do_MKCALENDAR = do_PROPPATCH = do_HEAD = do_POST = _relay


class _FrontServer(ThreadingHTTPServer):
    daemon_threads = True
    radicale: Radicale


class Radicale:
    """``with Radicale(folder) as dav:``; ``dav.url`` is the front's root."""

    def __init__(self, folder: Path, *, calendars: tuple[str, ...] = ("calendar",)) -> None:
        self.folder = folder
        self.port = free_port()
        self.calendars = calendars
        self.seen: list[tuple[str, str]] = []
        #: False: the front answers sync-collection REPORTs as a server without RFC 6578.
        self.sync_collection = True
        #: False: the front drops calendar-data from sync-collection REPORTs (a server
        #: that lists changes but sends their text only to a calendar-multiget).
        self.sync_data = True
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._process: subprocess.Popen[bytes] | None = None
        self._front: _FrontServer | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> Radicale:
        self.folder.mkdir(parents=True, exist_ok=True)
        users = self.folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        self._log = (self.folder / "log").open("wb")
        self._start()
        self._front = _FrontServer(("127.0.0.1", 0), _Front)
        self._front.radicale = self
        threading.Thread(target=self._front.serve_forever, daemon=True).start()
        self._session = niquests.Session()
        self._session.trust_env = False
        self._session.auth = (USER, PASSWORD)
        self._direct("MKCOL", f"/{USER}/")
        for name in self.calendars:
            self.make_calendar(name)
        return self

    def _start(self, rights: Path | None = None) -> None:
        """Radicale's process, listening; ``rights``: a rights file (owner-only without)."""
        users = self.folder / "users"
        config = self.folder / "config"
        rule = f"type = from_file\nfile = {rights}\n" if rights else "type = owner_only\n"
        config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\ndelay = 0\n"
            f"[storage]\nfilesystem_folder = {self.folder / 'data'}\n"
            f"[rights]\n{rule}[logging]\nlevel = warning\n"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)],
            stdout=self._log,
            stderr=self._log,
        )
        deadline = time.monotonic() + 30
        while True:  # polling another process until it listens
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(
                        f"Radicale did not start: {(self.folder / 'log').read_text()}"
                    ) from None
                time.sleep(0.05)

    def _stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # Busy in a long request (the benchmark's first read): it must not
                # outlive its test.
                self._process.kill()
                self._process.wait()
            self._process = None

    def restart_with_rights(self, rights: str) -> None:
        """Radicale reads its rights file only when it starts: write ``rights`` (a
        ``from_file`` rights file) and start it again on the same port."""
        path = self.folder / "rights"
        path.write_text(rights)
        self._stop()
        self._start(path)

    def __exit__(self, *_: object) -> None:
        if self._front is not None:
            self._front.shutdown()
            self._front.server_close()
        self._stop()
        self._log.close()

    # -- addresses ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._front is not None
        return f"http://127.0.0.1:{self._front.server_address[1]}/"

    @property
    def direct_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def calendar_path(self, name: str = "calendar") -> str:
        return f"/{USER}/{name}/"

    # -- the user's hands, straight to Radicale ----------------------------------------------

    def _direct(self, method: str, path: str, body: str | None = None) -> niquests.Response:
        headers = {"Content-Type": "text/calendar; charset=utf-8"} if body else {}
        answer = self._session.request(
            method, self.direct_url.rstrip("/") + path, data=body, headers=headers
        )
        if answer.status_code >= 400 and method != "MKCOL":
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer

    def make_calendar(self, name: str, components: tuple[str, ...] = ()) -> None:
        """A calendar named ``name.title()``, coloured as Apple clients colour them;
        ``components``: only these (a task list holds VTODO only)."""
        supported = "".join(f'<C:comp name="{c}"/>' for c in components)
        if supported:
            tag = "C:supported-calendar-component-set"
            supported = f"<{tag}>{supported}</{tag}>"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">'
            f"<D:set><D:prop><D:displayname>{name.title()}</D:displayname>{supported}"
            "<I:calendar-color>#3A87ADFF</I:calendar-color></D:prop></D:set></C:mkcalendar>"
        )
        answer = self._session.request(
            "MKCALENDAR",
            self.direct_url.rstrip("/") + self.calendar_path(name),
            data=body,
            headers={"Content-Type": "application/xml; charset=utf-8"},
        )
        if answer.status_code != 201:
            raise RuntimeError(f"MKCALENDAR {name}: {answer.status_code} {answer.text}")

    def put(self, ics: str, *, uid: str, calendar: str = "calendar") -> str:
        """Store (create or replace) a resource named after its UID; its href."""
        href = f"{self.calendar_path(calendar)}{uid}.ics"
        self._direct("PUT", href, ics)
        return href

    def add(
        self, summary: str, start: datetime, end: datetime, *props: str, calendar: str = "calendar"
    ) -> str:
        uid = f"event-{next(self._ids)}@radicale.test"
        self.put(vevent(uid, summary, start, end, *props), uid=uid, calendar=calendar)
        return uid

    def delete(self, uid: str, *, calendar: str = "calendar") -> None:
        self._direct("DELETE", f"{self.calendar_path(calendar)}{uid}.ics")

    def get(self, uid: str, *, calendar: str = "calendar") -> str:
        return str(self._direct("GET", f"{self.calendar_path(calendar)}{uid}.ics").text)

    def rename(self, uid: str, summary: str, *, calendar: str = "calendar") -> None:
        lines = [
            f"SUMMARY:{summary}" if line.startswith("SUMMARY:") else line
            for line in self.get(uid, calendar=calendar).splitlines()
        ]
        self.put("\r\n".join(lines) + "\r\n", uid=uid, calendar=calendar)

    # -- real server-side changes ---------------------------------------------------------------

    def change_password(self, password: str) -> None:
        """The user revoked the app password: Radicale now answers 401 to the old one."""
        (self.folder / "users").write_text(f"{USER}:{password}\n")
        self._session.auth = (USER, password)

    def forget_sync_tokens(self, calendar: str = "calendar") -> None:
        """Radicale keeps the history of its sync tokens in the collection's cache;
        without it, every older token is answered 403 DAV:valid-sync-token."""
        cache = self.folder / "data" / "collection-root" / USER / calendar / ".Radicale.cache"
        shutil.rmtree(cache / "sync-token", ignore_errors=True)

    # -- faults -------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        *,
        stall: float = 0.0,
    ) -> None:
        with self._lock:
            self._faults.append(Fault(status, headers or {}, body, stall))

    def answer_invalid_xml_next(self) -> None:
        self.fail_next(207, {"Content-Type": "application/xml"}, b"<multistatus><response>oops")

    def next_fault(self, method: str, body: bytes) -> Fault | None:
        with self._lock:
            if self._faults:
                return self._faults.pop(0)
        if not self.sync_collection and method == "REPORT" and b"sync-collection" in body:
            return Fault(
                403,
                {"Content-Type": "application/xml"},
                b'<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>',
            )
        return None
