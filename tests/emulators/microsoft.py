"""A local emulator of Microsoft Graph (calendars) and Microsoft Entra ID's v2.0 endpoints.

A real HTTPS server on loopback, with a certificate made at test time, that the real
client libraries talk to::

    with MicrosoftGraphEmulator() as ms:
        app = ms.msal_app()                      # msal.ConfidentialClientApplication
        flow = app.initiate_auth_code_flow(["Calendars.Read"], redirect_uri=REDIRECT)
        tokens = app.acquire_token_by_auth_code_flow(flow, ms.browser_sign_in(flow["auth_uri"]))
        ms.http_session().get(ms.graph_url + "/me/calendars",
                              headers={"Authorization": "Bearer " + tokens["access_token"]})

Tests act as the user in Outlook through the control methods (``add_event``,
``edit_event``, ``delete_event``, ``cancel_event``, ``move_event``,
``set_calendar_can_edit``, ...) and inject faults (``fail_next``,
``expire_delta_tokens``, ``revoke_refresh_token``, ``expire_access_tokens``,
``set_latency``). ``requests`` and ``count`` are the call log; ``messages_sent``
counts the meeting requests, updates and cancellations Exchange would have mailed to
attendees because of Graph writes (Graph has no switch to keep them unsent).
Module map: identity (``microsoft_identity``), calendars and
events (``microsoft_calendar``), delta rounds (``microsoft_delta``), subscriptions
(``microsoft_push``), time and recurrence (``microsoft_time``), TLS
(``microsoft_tls``), error shapes (``microsoft_errors``).

Implemented under ``/v1.0`` (``/users/{id or upn}`` works as ``/me``): ``GET /me``;
``GET/POST /me/calendars``, ``GET /me/calendars/{id}``, ``GET /me/calendar``;
``GET/POST .../events``, ``GET/PATCH/DELETE .../events/{id}``,
``GET .../events/{id}/instances``; ``GET .../calendarView`` and
``.../calendarView/delta`` (on ``/me``, ``/me/calendar`` and ``/me/calendars/{id}``);
``POST /me/calendar/getSchedule``; ``GET/POST /subscriptions`` and
``GET/PATCH/DELETE /subscriptions/{id}``. Other paths answer 400 ("Resource not
found for the segment"), ``/beta`` and known-but-not-emulated options answer 501.

Single-value extended properties are stored (a write merges them by id) and answered
only when asked for, with ``$expand=singleValueExtendedProperties($filter=id eq
'...')`` on an event or on ``/events``; ``/events`` also takes
``$filter=singleValueExtendedProperties/any(ep: ep/id eq '...' and ep/value ne
null)``. A POST whose ``transactionId`` a live event holds answers that event. Only
a meeting's organizer changes more than the categories, reminders and extended
properties of their own copy (else 403 ``ErrorAccessDenied``), as on a calendar
whose ``canEdit`` is false.
"""

from __future__ import annotations

import copy
import html
import json
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import httpx
import msal
import requests

from tests.emulators.microsoft_calendar import (
    Calendar,
    CalendarStore,
    Instance,
    expanded_properties,
    in_zone,
)
from tests.emulators.microsoft_delta import DeltaTracker, window_of
from tests.emulators.microsoft_errors import GraphError, access_denied, bad_request
from tests.emulators.microsoft_identity import (
    CALENDAR_READ,
    CALENDAR_WRITE,
    AccessToken,
    AppRegistration,
    IdentityServer,
    IdentityUser,
    OAuthError,
    Reply,
)
from tests.emulators.microsoft_push import PushHub, Subscription
from tests.emulators.microsoft_time import (
    parse_wall_time,
    render_time,
    zone_of,
)
from tests.emulators.microsoft_tls import TlsMaterial, loopback_tls

GRAPH_JSON = {
    "Content-Type": "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
}
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
# OData options Graph knows that the emulator does not implement: 501, not a guess.
KNOWN_NOT_EMULATED = frozenset({"$filter", "$orderby", "$expand", "$search", "$count", "$format"})
SCHEDULE_CODES = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
SCHEDULE_RANK = {"free": 0, "workingElsewhere": 1, "tentative": 2, "busy": 3, "oof": 4}
DEFAULT_FAULT_CODES = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    404: ("ErrorItemNotFound", "The specified object was not found in the store."),
    429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    500: ("generalException", "An unspecified error has occurred."),
    502: ("UnknownError", ""),
    503: ("serviceNotAvailable", "The service is temporarily unavailable."),
    504: ("UnknownError", ""),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it (Graph or identity endpoints)."""

    operation: str
    method: str
    path: str
    calendar_id: str | None
    status: int


@dataclass
class _Fault:
    remaining: int
    status: int
    code: str | None  # None: the usual one for the status
    message: str | None
    retry_after: int | None
    operation: str | None

    def graph_error(self) -> GraphError:
        code, message = DEFAULT_FAULT_CODES.get(self.status, ("UnknownError", ""))
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return GraphError(
            self.status,
            self.code or code,
            message if self.message is None else self.message,
            headers=headers,
        )

    def oauth_error(self) -> OAuthError:
        return OAuthError(
            self.status,
            self.code or "temporarily_unavailable",
            90033,
            self.message or "A transient error has occurred. Please try again.",
        )


@dataclass
class _Route:
    operation: str
    calendar: Calendar | None
    event_id: str | None
    handler: Callable[[], Reply]
    write: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: MicrosoftGraphEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that drops a TLS connection is not a test failure."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per answer (flushed after each request): headers and body in separate
    # TLS records would meet the client's delayed ACK and cost 40 ms a request.
    wbufsize = 1 << 16
    server: _Server

    def setup(self) -> None:
        # The TLS handshake runs here, in the request's own thread, so that a slow or
        # broken client never holds up the accept loop.
        self.request.settimeout(30)
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.do_handshake()
        super().setup()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.emulator._serve(
            self.command, self.path, self.headers, body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {**GRAPH_JSON, **(headers or {})}, json.dumps(body).encode()


def _event_time(value: Any, zone_name: str) -> Any:
    """Let control calls pass datetimes where Graph wants {dateTime, timeZone}: the wall
    clock in the datetime's own zone when it names one, else in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("use an aware datetime")
        zone = getattr(value.tzinfo, "key", None)
        if zone is None or zone_of(zone) is None:
            wall = value.astimezone(UTC).replace(tzinfo=None)
            return {"dateTime": wall.isoformat(), "timeZone": "UTC"}
        return {"dateTime": value.replace(tzinfo=None).isoformat(), "timeZone": zone}
    if isinstance(value, date):
        return {"dateTime": f"{value.isoformat()}T00:00:00", "timeZone": zone_name}
    return value


def _prefer(headers: Any) -> dict[str, str]:
    """``Prefer: outlook.timezone="Pacific Standard Time", odata.maxpagesize=2``."""
    found: dict[str, str] = {}
    for value in headers.get_all("Prefer") or []:
        for match in re.finditer(r'([\w.-]+)\s*=\s*("([^"]*)"|[^,\s]+)', value):
            name = match[1].lower()
            found[name] = match[3] if match[3] is not None else match[2]
    return found


class MicrosoftGraphEmulator:
    """Microsoft Graph (calendars) + Entra ID on ``https://127.0.0.1``; a context manager.

    ``now`` is the emulator's clock (token and code expiry, subscription expiry,
    timestamps); replace it, or freeze time with time-machine (msal's token cache
    reads ``time.time()``, which time-machine moves too).
    """

    def __init__(
        self,
        *,
        user_email: str = "host@contoso.example",
        user_name: str = "Hanna Host",
        tenant_domain: str = "contoso.onmicrosoft.com",
        time_zone: str = "UTC",
        client_id: str = "4f6c1a2e-3b5d-4e7f-8a9b-0c1d2e3f4a5b",
        client_secret: str = "test-client-secret",  # noqa: S107 - a fake for tests
        redirect_uris: frozenset[str] | None = None,
        access_token_lifetime: timedelta = timedelta(seconds=3599),
        now: Callable[[], datetime] | None = None,
        delta_generations_kept: int = 4,
        delta_empty_first_page: bool = True,
    ) -> None:
        if zone_of(time_zone) is None:
            raise ValueError(f"unknown time zone {time_zone!r}")
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.user_email = user_email
        self.user_name = user_name
        self.time_zone = time_zone
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant_id = str(uuid.uuid4())
        self.user_id = str(uuid.uuid4())
        self.latency = 0.0
        # Whether Graph pages /events by ``Prefer: odata.maxpagesize`` is not
        # documented (it is for delta); True models a Graph that goes by $top alone.
        self.events_ignore_maxpagesize = False
        self.tls: TlsMaterial = loopback_tls()
        self._lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []

        self._server = _Server(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        try:
            self._server.server_bind()
            self._server.server_activate()
            self._server.socket = self.tls.server_context().wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        except BaseException:
            self._server.server_close()
            raise
        self._server.emulator = self
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.graph_url = self.base_url + "/v1.0"
        self.authority = f"{self.base_url}/{self.tenant_id}"

        self._identity = IdentityServer(
            base_url=self.base_url,
            user=IdentityUser(self.user_id, self.tenant_id, user_email, user_name),
            now=lambda: self.now(),
            access_token_lifetime=access_token_lifetime,
            tenant_domain=tenant_domain,
        )
        self._identity.apps[client_id] = AppRegistration(client_id, client_secret, redirect_uris)
        self._store = CalendarStore(
            lambda: self.now(), self._changed, user_name=user_name, user_email=user_email
        )
        self._delta = DeltaTracker(
            self.base_url, keep=delta_generations_kept, empty_first_page=delta_empty_first_page
        )
        self._push = PushHub(
            self.base_url, self.tenant_id, self.user_id, user_email, self.tls.client_context()
        )
        self.add_calendar("Calendar", default=True)

        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="msgraph-emulator",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> MicrosoftGraphEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._push.close()

    # -- client helpers ---------------------------------------------------------

    @property
    def ca_file(self) -> str:
        return str(self.tls.ca_file)

    def http_session(self) -> requests.Session:
        """A requests session that trusts only what it should: the emulator's CA,
        no proxy or CA bundle from the environment."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ca_file
        return session

    def httpx_client(self, **options: Any) -> httpx.Client:
        return httpx.Client(verify=self.tls.client_context(), trust_env=False, **options)

    def msal_app(
        self,
        *,
        client_secret: str | None = None,
        token_cache: msal.TokenCache | None = None,
        tenant: str | None = None,
    ) -> msal.ConfidentialClientApplication:
        """msal as the adapter will build it; instance_discovery=False keeps msal off
        login.microsoftonline.com."""
        return msal.ConfidentialClientApplication(
            self.client_id,
            client_credential=client_secret or self.client_secret,
            authority=f"{self.base_url}/{tenant or self.tenant_id}",
            instance_discovery=False,
            http_client=self.http_session(),
            token_cache=token_cache,
        )

    def graph_session(
        self, scopes: tuple[str, ...] = ("Calendars.ReadWrite", "User.Read")
    ) -> requests.Session:
        """A requests session carrying a fresh access token for ``scopes``."""
        session = self.http_session()
        session.headers["Authorization"] = "Bearer " + self.bearer(scopes)
        return session

    def browser_sign_in(self, auth_uri: str, *, consent: bool = True) -> dict[str, str]:
        """The user's browser: open the authorize URL, consent (at once, or through the
        consent form when it is on: accept, or cancel with ``consent=False``) and
        return what the redirect (or the form_post page) hands the app."""
        with self.http_session() as browser:
            answer = browser.get(auth_uri, allow_redirects=False, timeout=10)
            form = _form_fields(answer.text) if answer.status_code == 200 else {}
            if "request" in form:
                action = re.search(r'action="([^"]+)"', answer.text)
                assert action is not None
                answer = browser.post(
                    self.base_url + html.unescape(action[1]),
                    data={"request": form["request"], "decision": "accept" if consent else "deny"},
                    allow_redirects=False,
                    timeout=10,
                )
                form = _form_fields(answer.text) if answer.status_code == 200 else {}
        if answer.status_code == 200 and form:
            return form  # response_mode=form_post: the page would POST these fields
        if answer.status_code != 302:
            raise AssertionError(f"authorize answered {answer.status_code}: {answer.text[:300]}")
        location = urlsplit(answer.headers["Location"])
        return {k: v[-1] for k, v in parse_qs(location.query or location.fragment).items()}

    def issue_tokens(
        self,
        scopes: tuple[str, ...] = ("Calendars.ReadWrite", "User.Read", "offline_access", "openid"),
    ) -> dict[str, Any]:
        """Tokens as a completed consent gives them, without the browser dance."""
        with self._lock:
            return self._identity.issue(
                self.client_id, scopes, nonce=None, family=secrets.token_hex(8), client_info=True
            )

    def bearer(self, scopes: tuple[str, ...] = ("Calendars.ReadWrite", "User.Read")) -> str:
        return str(self.issue_tokens(scopes)["access_token"])

    # -- control API: the user in Outlook ---------------------------------------

    @property
    def default_calendar_id(self) -> str:
        with self._lock:
            return self._store.calendar(None).id

    def add_calendar(
        self,
        name: str,
        *,
        default: bool = False,
        color: str = "auto",
        hex_color: str = "",
        can_edit: bool = True,
        owner: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """Add a calendar; ``owner=(name, address)`` makes it one shared with the user."""
        with self._lock:
            calendar = self._store.add_calendar(
                name,
                default=default,
                color=color,
                hex_color=hex_color,
                can_edit=can_edit,
                owner=owner,
            )
            return self._store.calendar_resource(calendar)

    def add_event(
        self,
        calendar_id: str | None = None,
        *,
        start: Any,
        end: Any,
        subject: str = "",
        **fields: Any,
    ) -> dict[str, Any]:
        """Create an event as the user would in Outlook. ``start``/``end`` may be aware
        datetimes, dates (an all-day event in the mailbox's zone) or Graph's
        ``{dateTime, timeZone}``; other fields are Graph's (``showAs``, ``recurrence``,
        ...) plus what only Outlook sets: ``isCancelled``, ``organizer``,
        ``responseStatus``."""
        body = {
            "subject": subject,
            "start": _event_time(start, self.time_zone),
            "end": _event_time(end, self.time_zone),
            **fields,
        }
        if isinstance(start, date) and not isinstance(start, datetime):
            body.setdefault("isAllDay", True)
        with self._lock:
            calendar = self._store.calendar(calendar_id)
            instance = self._store.create(calendar, body, trusted=True)
            return self._store.render(instance)

    def edit_event(self, event_id: str, **changes: Any) -> dict[str, Any]:
        """Change an event; an occurrence's id edits that occurrence only (it becomes an
        exception), a series master's id edits the series."""
        body = {
            k: _event_time(v, self.time_zone) if k in ("start", "end") else v
            for k, v in changes.items()
        }
        with self._lock:
            instance = self._store.update(event_id, body, if_match=None, trusted=True)
            return self._store.render(instance)

    def delete_event(self, event_id: str) -> None:
        """Delete an event, a whole series, or one occurrence (cancelling it)."""
        with self._lock:
            self._store.delete(event_id, if_match=None, trusted=True)

    def move_event(self, event_id: str, calendar_id: str) -> dict[str, Any]:
        """The user moves a single event to another calendar; it gets a new id there."""
        with self._lock:
            target = self._store.calendar(calendar_id)
            return self._store.render(self._store.move(event_id, target))

    def set_calendar_can_edit(self, calendar_id: str, can_edit: bool) -> None:
        """The calendar's owner changes the user's permission (a shared calendar
        becoming read-only): Graph writes to it then answer 403 ErrorAccessDenied."""
        with self._lock:
            calendar = self._store.calendar(calendar_id)
            calendar.can_edit = can_edit
            calendar.seq = self._store._next_seq()

    @property
    def messages_sent(self) -> int:
        """Meeting requests, updates and cancellations sent to attendees because of
        Graph writes."""
        with self._lock:
            return self._store.messages_sent

    def cancel_event(self, event_id: str) -> dict[str, Any]:
        """The organizer cancelled the meeting: it stays, with ``isCancelled``."""
        return self.edit_event(event_id, isCancelled=True)

    def event(self, event_id: str) -> dict[str, Any]:
        with self._lock:
            return self._store.render(self._store.event(event_id))

    def calendar_view(
        self, calendar_id: str | None, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        with self._lock:
            calendar = self._store.calendar(calendar_id)
            return [self._store.render(i) for i in self._store.view(calendar, start, end)]

    def occurrence_id(self, series_id: str, original_start: datetime) -> str:
        """The id Graph gives the occurrence of a series starting at ``original_start``."""
        wanted = original_start.astimezone(UTC)
        with self._lock:
            window = self._store.instances_of(series_id, wanted, wanted + timedelta(seconds=1))
        for instance in window:
            if instance.original_start == wanted:
                return instance.id
        raise KeyError(f"no occurrence of {series_id} starts at {original_start}")

    # -- control API: faults ----------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int,
        code: str | None = None,
        *,
        operation: str | None = None,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """The next ``n`` Graph requests (of ``operation``, e.g. "calendarView.delta", or
        of any Graph operation) fail with a Graph-shaped error; 429 and 503 say
        ``Retry-After`` when given. Identity endpoints fail only when named
        ("token", "authorize", "openid-configuration"), with Entra's error shape."""
        with self._lock:
            self._faults.append(_Fault(n, status, code, message, retry_after, operation))

    def clear_faults(self) -> None:
        """Forget the faults ``fail_next`` armed that no request has met yet."""
        with self._lock:
            self._faults.clear()

    def expire_delta_tokens(self, *, code: str = "SyncStateNotFound", status: int = 410) -> None:
        """Every issued nextLink and deltaLink now fails (410 SyncStateNotFound by
        default; ``code="resyncRequired"`` adds the Location of a fresh round)."""
        with self._lock:
            self._delta.expire(status=status, code=code)

    def revoke_refresh_token(self, token: str | None = None) -> None:
        """Revoke one grant (by any of its refresh tokens) or all of them: refreshing
        fails with invalid_grant (AADSTS50173); issued access tokens keep working
        until they expire, as Entra's do."""
        with self._lock:
            self._identity.revoke(token)

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._identity.expire_access_tokens()

    def set_strict_refresh_rotation(self, strict: bool = True) -> None:
        """Refuse a refresh token once it was used (Entra keeps it valid)."""
        with self._lock:
            self._identity.strict_refresh_rotation = strict

    def set_consent(self, mode: str) -> None:
        """ "auto" (consent at once), "form" (an HTML form a test submits) or "deny"."""
        if mode not in ("auto", "form", "deny"):
            raise ValueError(mode)
        with self._lock:
            self._identity.consent_mode = mode

    def set_validation_timeout(self, seconds: float) -> None:
        """Graph waits 10 s for the validation answer; tests of a silent receiver
        shorten the wait."""
        with self._lock:
            self._push.validation_timeout = seconds

    def set_latency(self, seconds: float) -> None:
        """Delay every answer; the only sleeping the emulator does."""
        self.latency = seconds

    def send_lifecycle_notification(self, subscription_id: str, event: str) -> None:
        with self._lock:
            self._push.lifecycle(subscription_id, event, self.now())

    # -- inspection -------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def count(self, operation: str | None = None, calendar_id: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (operation is None or r.operation == operation)
            and (calendar_id is None or r.calendar_id == calendar_id)
        )

    @property
    def subscriptions(self) -> list[dict[str, Any]]:
        with self._lock:
            self._push.prune(self.now())
            return [s.resource_json(self.base_url) for s in self._push.subscriptions.values()]

    @property
    def deliveries(self) -> list[Any]:
        return list(self._push.deliveries)

    def wait_for_deliveries(self, timeout: float = 5.0) -> None:
        """Block until every queued notification was attempted (bounded, no sleep)."""
        if not self._push.wait_idle(timeout):
            raise TimeoutError("notifications still queued")

    # -- HTTP ---------------------------------------------------------------------

    def _changed(self, calendar_id: str, event_id: str, change: str) -> None:
        etag = None
        record = self._store.records.get(event_id)
        if record is not None and not record.deleted:
            etag = f'W/"{self._store.change_key(record.seq)}"'
        self._push.changed(calendar_id, event_id, change, etag, self.now())

    def _serve(self, verb: str, target: str, headers: Any, body: bytes) -> Reply:
        if self.latency:
            time.sleep(self.latency)
        try:
            return self._answer(verb, target, headers, body)
        except Exception as bug:  # an emulator bug must show as a 500, not a hang-up
            detail = {"error": {"code": "EmulatorBug", "message": repr(bug)}}
            return _json(500, detail)

    def _answer(self, verb: str, target: str, headers: Any, body: bytes) -> Reply:
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        segments = [unquote(s) for s in url.path.split("/") if s]
        request_id = str(uuid.uuid4())
        client_request_id = headers.get("client-request-id") or request_id
        if segments[:1] == ["v1.0"]:
            status, out_headers, payload = self._graph(
                verb, url.path, segments[1:], query, headers, body, request_id, client_request_id
            )
            out_headers = {
                **out_headers,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
            return status, out_headers, payload
        if segments[:1] == ["beta"]:
            error = GraphError(501, "NotImplemented", "The beta endpoint is not emulated.")
            with self._lock:
                self._record("beta", verb, url.path, None, 501)
            return _json(501, error.body(request_id, client_request_id, self.now()))
        return self._login(verb, url.path, segments, query, headers, body)

    def _record(
        self, operation: str, verb: str, path: str, calendar: str | None, status: int
    ) -> None:
        self._requests.append(RecordedRequest(operation, verb, path, calendar, status))

    def _take_fault(self, operation: str, *, named_only: bool) -> _Fault | None:
        for fault in self._faults:
            if fault.operation == operation or (fault.operation is None and not named_only):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- identity endpoints -----------------------------------------------------

    def _login(
        self,
        verb: str,
        path: str,
        segments: list[str],
        query: dict[str, str],
        headers: Any,
        body: bytes,
    ) -> Reply:
        tenant, rest = (segments[0], segments[1:]) if segments else ("", [])
        text = body.decode("utf-8", "replace")
        form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        routes: dict[tuple[str, tuple[str, ...]], tuple[str, Callable[[], Reply]]] = {
            ("GET", ("v2.0", ".well-known", "openid-configuration")): (
                "openid-configuration",
                lambda: self._oidc_document(tenant),
            ),
            ("GET", ("discovery", "v2.0", "keys")): (
                "keys",
                lambda: _json(200, self._identity.jwks()),
            ),
            ("GET", ("oauth2", "v2.0", "authorize")): (
                "authorize",
                lambda: self._identity.authorize(tenant, query),
            ),
            ("POST", ("oauth2", "v2.0", "authorize", "consent")): (
                "consent",
                lambda: self._identity.consent(form),
            ),
            ("POST", ("oauth2", "v2.0", "token")): (
                "token",
                lambda: _oauth_json(
                    200,
                    self._identity.token(tenant, form, headers.get("Authorization")),
                ),
            ),
        }
        route = routes.get((verb, tuple(rest)))
        with self._lock:
            if route is None:
                self._record("unknown", verb, path, None, 404)
                return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
            operation, handler = route
            fault = self._take_fault(operation, named_only=True)
            try:
                if fault is not None:
                    raise fault.oauth_error()
                reply = handler()
            except OAuthError as error:
                extra = {}
                if fault is not None and fault.retry_after is not None:
                    extra["Retry-After"] = str(fault.retry_after)
                reply = _oauth_json(error.status, error.body(self.now()), extra)
            self._record(operation, verb, path, None, reply[0])
            return reply

    def _oidc_document(self, tenant: str) -> Reply:
        if not self._identity.known_tenant(tenant):
            raise self._identity.unknown_tenant(tenant)
        return _json(200, self._identity.openid_configuration(tenant))

    # -- Graph --------------------------------------------------------------------

    def _graph(
        self,
        verb: str,
        path: str,
        segments: list[str],
        query: dict[str, str],
        headers: Any,
        body: bytes,
        request_id: str,
        client_request_id: str,
    ) -> Reply:
        prefer = _prefer(headers)
        if_match = headers.get("If-Match")
        route: _Route | None = None
        operation = "unknown"
        with self._lock:
            try:
                routing_error: GraphError | None = None
                try:
                    route = self._route(verb, path, segments, query, prefer, body, if_match)
                    operation = route.operation
                except GraphError as error:
                    routing_error = error
                fault = self._take_fault(operation, named_only=False)
                if fault is not None:
                    raise fault.graph_error()
                # Graph authenticates before it looks anything up.
                token = self._identity.check(_bearer(headers))
                if routing_error is not None or route is None:
                    raise routing_error or _segment_not_found("")
                self._authorize(operation, token, route)
                if route.operation == "subscriptions.create":
                    reply = self._create_subscription_unlocked(body, token)
                else:
                    reply = route.handler()
            except GraphError as error:
                reply = _json(
                    error.status,
                    error.body(request_id, client_request_id, self.now()),
                    error.headers,
                )
            calendar_id = route.calendar.id if route and route.calendar else None
            self._record(operation, verb, path, calendar_id, reply[0])
            return reply

    def _authorize(self, operation: str, token: AccessToken, route: _Route) -> None:
        scopes = token.scopes
        if ".default" in scopes:
            return
        if operation == "me.get":
            if not scopes & {"user.read", "user.readbasic.all", "user.read.all"}:
                raise GraphError(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
            return
        needed = CALENDAR_WRITE if route.write else CALENDAR_READ
        if operation == "calendar.getSchedule":
            needed = CALENDAR_READ | {"calendars.readbasic"}
        if not scopes & needed:
            raise access_denied()

    def _route(
        self,
        verb: str,
        path: str,
        segments: list[str],
        query: dict[str, str],
        prefer: dict[str, str],
        body: bytes,
        if_match: str | None,
    ) -> _Route:
        lowered = [s.lower() for s in segments]
        if lowered[:1] == ["subscriptions"]:
            return self._subscription_route(verb, segments[1:], body)
        if lowered[:1] == ["users"] and len(segments) >= 2:
            if segments[1].lower() not in (self.user_id, self.user_email.lower()):
                raise GraphError(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{segments[1]}' does not exist or one of its queried "
                    "reference-property objects are not present.",
                )
            segments, lowered = ["me", *segments[2:]], ["me", *lowered[2:]]
        if lowered[:1] != ["me"]:
            raise _segment_not_found(segments[0] if segments else "")
        rest, low = segments[1:], lowered[1:]
        if not rest:
            return self._only(verb, "GET", _Route("me.get", None, None, self._me))
        calendar: Calendar | None = None
        scoped = False
        if low[0] == "calendars" and len(rest) == 1:
            if verb == "POST":
                return _Route(
                    "calendars.create", None, None, lambda: self._create_calendar(body), write=True
                )
            return self._only(
                verb, "GET", _Route("calendars.list", None, None, lambda: self._calendars(query))
            )
        if low[0] == "calendars":
            calendar, rest, low, scoped = self._store.calendar(rest[1]), rest[2:], low[2:], True
        elif low[0] == "calendar":
            calendar, rest, low, scoped = self._store.calendar(None), rest[1:], low[1:], True
        if scoped and not rest:
            chosen = calendar
            assert chosen is not None
            return self._only(
                verb,
                "GET",
                _Route(
                    "calendars.get",
                    chosen,
                    None,
                    lambda: _json(200, self._store.calendar_resource(chosen)),
                ),
            )
        return self._calendar_route(verb, calendar, rest, low, query, prefer, body, path, if_match)

    def _calendar_route(
        self,
        verb: str,
        calendar: Calendar | None,
        rest: list[str],
        low: list[str],
        query: dict[str, str],
        prefer: dict[str, str],
        body: bytes,
        path: str,
        if_match: str | None,
    ) -> _Route:
        view_calendar = calendar or self._store.calendar(None)
        zone_name = _zone_preference(prefer)
        if low == ["events"]:
            if verb == "POST":
                target = view_calendar
                return _Route(
                    "events.create",
                    target,
                    None,
                    lambda: self._create_event(target, body, zone_name),
                    write=True,
                )
            return self._only(
                verb,
                "GET",
                _Route(
                    "events.list",
                    view_calendar,
                    None,
                    # /me/events is the default calendar's, like /me/calendar/events.
                    lambda: self._list_events(view_calendar, query, prefer, path),
                ),
            )
        if low == ["events", "delta"]:
            # v1.0 tracks changes on calendarView only (microsoftgraph/msgraph-metadata#608).
            raise bad_request(
                "Unsupported request: Change tracking is not supported against "
                "'microsoft.graph.event'."
            )
        if low[:1] == ["events"] and len(rest) in (2, 3):
            event_id = rest[1]
            instance = self._store.event(event_id)
            owner = self._store.calendars[instance.record.calendar_id]
            if calendar is not None and owner.id != calendar.id:
                raise _not_found()
            if len(rest) == 3:
                if low[2] != "instances":
                    raise _segment_not_found(rest[2])
                return self._only(
                    verb,
                    "GET",
                    _Route(
                        "events.instances",
                        owner,
                        event_id,
                        lambda: self._instances(event_id, query, prefer, path),
                    ),
                )
            if verb == "GET":
                return _Route(
                    "events.get",
                    owner,
                    event_id,
                    lambda: self._get_event(event_id, zone_name, query),
                )
            if verb == "PATCH":
                return _Route(
                    "events.update",
                    owner,
                    event_id,
                    lambda: self._update_event(event_id, body, zone_name, if_match),
                    write=True,
                )
            if verb == "DELETE":
                return _Route(
                    "events.delete",
                    owner,
                    event_id,
                    lambda: self._delete_event(event_id, if_match),
                    write=True,
                )
            raise _method_not_allowed(verb)
        if low == ["calendarview"]:
            return self._only(
                verb,
                "GET",
                _Route(
                    "calendarView.list",
                    view_calendar,
                    None,
                    lambda: self._calendar_view(view_calendar, query, prefer, path),
                ),
            )
        if low in (["calendarview", "delta"], ["calendarview", "microsoft.graph.delta"]):
            return self._only(
                verb,
                "GET",
                _Route(
                    "calendarView.delta",
                    view_calendar,
                    None,
                    lambda: self._calendar_delta(view_calendar, query, prefer, path),
                ),
            )
        if low == ["getschedule"] and calendar is not None and calendar.is_default:
            return self._only(
                verb,
                "POST",
                _Route("calendar.getSchedule", calendar, None, lambda: self._get_schedule(body)),
            )
        raise _segment_not_found(rest[-1] if rest else "")

    @staticmethod
    def _only(verb: str, allowed: str, route: _Route) -> _Route:
        if verb != allowed:
            raise _method_not_allowed(verb)
        return route

    # -- handlers -----------------------------------------------------------------

    def _me(self) -> Reply:
        given, _, surname = self.user_name.partition(" ")
        return _json(
            200,
            {
                "@odata.context": f"{self.graph_url}/$metadata#users/$entity",
                "businessPhones": [],
                "displayName": self.user_name,
                "givenName": given,
                "jobTitle": None,
                "mail": self.user_email,
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": "en-US",
                "surname": surname,
                "userPrincipalName": self.user_email,
                "id": self.user_id,
            },
        )

    def _calendars(self, query: dict[str, str]) -> Reply:
        _check_options(query, {"$top", "$skip", "$select"})
        items = [self._store.calendar_resource(c) for c in self._store.calendars.values()]
        page, next_skip = _page(items, query, {}, default=DEFAULT_PAGE_SIZE)
        answer: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/$metadata#users('{self.user_id}')/calendars",
            "value": _select(page, query.get("$select")),
        }
        if next_skip is not None:
            answer["@odata.nextLink"] = _next_link(
                f"{self.graph_url}/me/calendars", query, next_skip
            )
        return _json(200, answer)

    def _create_calendar(self, body: bytes) -> Reply:
        data = _json_body(body)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise GraphError(400, "ErrorInvalidParameter", "The calendar name can't be empty.")
        if any(c.name.lower() == name.lower() for c in self._store.calendars.values()):
            raise GraphError(
                409,
                "ErrorFolderExists",
                "A folder with the specified name already exists.",
            )
        calendar = self._store.add_calendar(
            name,
            default=False,
            color=str(data.get("color", "auto")),
            hex_color="",
            can_edit=True,
            owner=None,
        )
        return _json(201, self._store.calendar_resource(calendar))

    def _event_reply(self, status: int, instance: Instance, zone_name: str) -> Reply:
        resource = in_zone(self._store.render(instance), zone_name)
        resource = {
            "@odata.context": f"{self.graph_url}/$metadata#users('{self.user_id}')/events/$entity",
            **resource,
        }
        return _json(status, resource, _applied(zone_name))

    def _get_event(self, event_id: str, zone_name: str, query: dict[str, str]) -> Reply:
        _check_options(query, {"$select", "$expand"})
        wanted = _expanded_ids(query)
        instance = self._store.event(event_id)
        resource = in_zone(self._store.render(instance), zone_name)
        resource = _with_properties(resource, instance, wanted)
        resource = {
            "@odata.context": f"{self.graph_url}/$metadata#users('{self.user_id}')/events/$entity",
            **_select([resource], query.get("$select"))[0],
        }
        return _json(200, resource, _applied(zone_name))

    def _create_event(self, calendar: Calendar, body: bytes, zone_name: str) -> Reply:
        instance = self._store.create(calendar, _json_body(body), trusted=False)
        return self._event_reply(201, instance, zone_name)

    def _update_event(
        self, event_id: str, body: bytes, zone_name: str, if_match: str | None
    ) -> Reply:
        instance = self._store.update(event_id, _json_body(body), if_match=if_match, trusted=False)
        return self._event_reply(200, instance, zone_name)

    def _delete_event(self, event_id: str, if_match: str | None) -> Reply:
        self._store.delete(event_id, if_match=if_match, trusted=False)
        return 204, {}, b""

    def _list_events(
        self, calendar: Calendar, query: dict[str, str], prefer: dict[str, str], path: str
    ) -> Reply:
        _check_options(query, {"$top", "$skip", "$select", "$expand", "$filter"})
        zone_name = _zone_preference(prefer)
        wanted = _expanded_ids(query)
        having = _property_filter(query)
        items = [
            _with_properties(in_zone(self._store.render(i), zone_name), i, wanted)
            for i in self._store.events(calendar)
            if having is None or expanded_properties(i.record.fields, (having,))
        ]
        if self.events_ignore_maxpagesize:
            prefer = {k: v for k, v in prefer.items() if k != "odata.maxpagesize"}
        return self._collection(items, query, prefer, path, zone_name)

    def _instances(
        self, event_id: str, query: dict[str, str], prefer: dict[str, str], path: str
    ) -> Reply:
        _check_options(query, {"$top", "$skip", "$select", "startdatetime", "enddatetime"})
        start, end = window_of({k.lower(): v for k, v in query.items()})
        zone_name = _zone_preference(prefer)
        items = [
            in_zone(self._store.render(i), zone_name)
            for i in self._store.instances_of(event_id, start, end)
        ]
        return self._collection(items, query, prefer, path, zone_name)

    def _calendar_view(
        self, calendar: Calendar, query: dict[str, str], prefer: dict[str, str], path: str
    ) -> Reply:
        _check_options(query, {"$top", "$skip", "$select", "startdatetime", "enddatetime"})
        start, end = window_of({k.lower(): v for k, v in query.items()})
        zone_name = _zone_preference(prefer)
        items = [
            in_zone(self._store.render(i), zone_name)
            for i in self._store.view(calendar, start, end)
        ]
        return self._collection(items, query, prefer, path, zone_name)

    def _collection(
        self,
        items: list[dict[str, Any]],
        query: dict[str, str],
        prefer: dict[str, str],
        path: str,
        zone_name: str,
    ) -> Reply:
        page, next_skip = _page(items, query, prefer, default=DEFAULT_PAGE_SIZE)
        answer: dict[str, Any] = {
            "@odata.context": f"{self.graph_url}/$metadata#Collection(event)",
            "value": _select(page, query.get("$select")),
        }
        if next_skip is not None:
            answer["@odata.nextLink"] = _next_link(self.base_url + path, query, next_skip)
        return _json(200, answer, _applied(zone_name, prefer))

    def _calendar_delta(
        self, calendar: Calendar, query: dict[str, str], prefer: dict[str, str], path: str
    ) -> Reply:
        zone_name = _zone_preference(prefer)
        size = _page_size(prefer, DEFAULT_PAGE_SIZE)
        graph_path = path.removeprefix("/v1.0")
        answer = self._delta.delta(
            self._store, calendar, graph_path, query, page_size=size, zone_name=zone_name
        )
        applied = _applied(zone_name, prefer)
        applied["Preference-Applied"] = ", ".join(
            p for p in ["odata.track-changes", applied.get("Preference-Applied")] if p
        )
        return _json(200, answer, applied)

    def _get_schedule(self, body: bytes) -> Reply:
        data = _json_body(body)
        schedules = data.get("schedules")
        if not isinstance(schedules, list) or not schedules or len(schedules) > 20:
            raise GraphError(400, "ErrorInvalidParameter", "Specify between 1 and 20 schedules.")
        start_time = parse_wall_time(data.get("startTime"), "start")
        end_time = parse_wall_time(data.get("endTime"), "end")
        start, end = start_time.utc(), end_time.utc()
        if end <= start or end - start >= timedelta(days=62):
            raise GraphError(
                400,
                "ErrorInvalidTimeInterval",
                "The time interval must be longer than 0 and shorter than 62 days.",
            )
        interval = data.get("availabilityViewInterval", 30)
        if not isinstance(interval, int) or not 5 <= interval <= 1440:
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "availabilityViewInterval must be between 5 and 1440 minutes.",
            )
        results = []
        for schedule in schedules:
            if str(schedule).lower() != self.user_email.lower():
                results.append(
                    {
                        "scheduleId": schedule,
                        "availabilityView": "",
                        "error": {
                            "message": "The user or mailbox was not found in this emulator.",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                        "scheduleItems": [],
                        "workingHours": None,
                    }
                )
                continue
            results.append(self._schedule(schedule, start, end, interval, start_time.zone_name))
        return _json(
            200,
            {
                "@odata.context": f"{self.graph_url}/$metadata"
                "#Collection(microsoft.graph.scheduleInformation)",
                "value": results,
            },
        )

    def _schedule(
        self, schedule: str, start: datetime, end: datetime, interval: int, zone_name: str
    ) -> dict[str, Any]:
        calendar = self._store.calendar(None)
        items = []
        busy = []
        for instance in self._store.view(calendar, start, end):
            fields = instance.record.fields
            status = fields.get("showAs", "busy")
            if fields.get("isCancelled") or status == "free":
                continue
            private = fields.get("sensitivity") in ("private", "confidential")
            item: dict[str, Any] = {
                "isPrivate": private,
                "status": status,
                "start": render_time(instance.start, zone_name),
                "end": render_time(instance.end, zone_name),
            }
            if not private:
                item["subject"] = fields.get("subject", "")
                item["location"] = (fields.get("location") or {}).get("displayName", "")
            items.append(item)
            busy.append((instance.start, instance.end, status))
        view = []
        slot = start
        while slot < end:
            slot_end = slot + timedelta(minutes=interval)
            worst = "free"
            for b_start, b_end, status in busy:
                overlaps = b_start < slot_end and b_end > slot
                if overlaps and SCHEDULE_RANK.get(status, -1) > SCHEDULE_RANK[worst]:
                    worst = status
            view.append(SCHEDULE_CODES[worst])
            slot = slot_end
        return {
            "scheduleId": schedule,
            "availabilityView": "".join(view),
            "scheduleItems": items,
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": self.time_zone},
            },
        }

    # -- subscriptions --------------------------------------------------------------

    def _subscription_route(self, verb: str, rest: list[str], body: bytes) -> _Route:
        now = self.now()
        if not rest:
            if verb == "POST":
                # Handled by _create_subscription_unlocked: the handshake needs the
                # lock released.
                return _Route("subscriptions.create", None, None, lambda: (500, {}, b""))
            return self._only(
                verb,
                "GET",
                _Route(
                    "subscriptions.list",
                    None,
                    None,
                    lambda: _json(
                        200,
                        {
                            "@odata.context": f"{self.graph_url}/$metadata#subscriptions",
                            "value": [
                                {k: v for k, v in s.items() if k != "@odata.context"}
                                for s in self.subscriptions
                            ],
                        },
                    ),
                ),
            )
        if len(rest) != 1:
            raise _segment_not_found(rest[1])
        subscription_id = rest[0]
        if verb == "GET":
            return _Route(
                "subscriptions.get",
                None,
                None,
                lambda: _json(
                    200, self._push.get(subscription_id, now).resource_json(self.base_url)
                ),
            )
        if verb == "PATCH":
            return _Route(
                "subscriptions.update",
                None,
                None,
                lambda: _json(
                    200,
                    self._push.renew(subscription_id, _json_body(body), self.now()).resource_json(
                        self.base_url
                    ),
                ),
            )
        if verb == "DELETE":

            def delete() -> Reply:
                self._push.delete(subscription_id, self.now())
                return 204, {}, b""

            return _Route("subscriptions.delete", None, None, delete)
        raise _method_not_allowed(verb)

    def _create_subscription_unlocked(self, body: bytes, token: AccessToken) -> Reply:
        request = self._push.check_create(_json_body(body), self.now(), self._resolve_calendar)
        # Graph checks the receiver before it answers; the lock is released meanwhile
        # so that the receiver can call the emulator (the app's webhook may sync).
        self._lock.release()
        try:
            self._push.validate(request)
        finally:
            self._lock.acquire()
        subscription: Subscription = self._push.add(request, token.client_id)
        return _json(201, subscription.resource_json(self.base_url))

    def _resolve_calendar(self, calendar_id: str | None) -> str:
        return self._store.calendar(calendar_id).id


def _oauth_json(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    return (
        status,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "no-store, no-cache",
            "Pragma": "no-cache",
            **(headers or {}),
        },
        json.dumps(body).encode(),
    )


def _form_fields(page: str) -> dict[str, str]:
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', page)
    }


def _bearer(headers: Any) -> str | None:
    authorization = headers.get("Authorization") or ""
    if authorization.lower().startswith("bearer "):
        return str(authorization[7:].strip())
    return None


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and "
            "payload is of valid JSON format."
        ) from None
    if not isinstance(parsed, dict):
        raise bad_request("The request body must be a JSON object.")
    return parsed


def _zone_preference(prefer: dict[str, str]) -> str:
    name = prefer.get("outlook.timezone")
    # An unknown zone is ignored: the answer stays in UTC.
    return name if name and zone_of(name) is not None else "UTC"


def _applied(zone_name: str, prefer: dict[str, str] | None = None) -> dict[str, str]:
    applied = []
    if zone_name != "UTC" or (prefer or {}).get("outlook.timezone") == "UTC":
        applied.append(f'outlook.timezone="{zone_name}"')
    if prefer and "odata.maxpagesize" in prefer:
        applied.append(f"odata.maxpagesize={_page_size(prefer, DEFAULT_PAGE_SIZE)}")
    return {"Preference-Applied": ", ".join(applied)} if applied else {}


def _page_size(prefer: dict[str, str], default: int) -> int:
    value = prefer.get("odata.maxpagesize")
    if value is None:
        return default
    try:
        return max(1, min(int(value), MAX_PAGE_SIZE))
    except ValueError:
        return default


def _check_options(query: dict[str, str], allowed: set[str]) -> None:
    """OData options the route takes pass; ones Graph knows but the emulator does not
    implement answer 501; unknown ``$`` options 400. Graph ignores other parameters."""
    for name in query:
        lowered = name.lower()
        if lowered in allowed:
            continue
        if lowered in KNOWN_NOT_EMULATED:
            raise GraphError(501, "NotImplemented", f"The query option '{name}' is not emulated.")
        if lowered.startswith("$"):
            raise bad_request(f"Query option '{name}' is not allowed.")


def _int_option(query: dict[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Invalid value '{value}' for query option '{name}'.") from None
    if number < 0:
        raise bad_request(f"Invalid value '{value}' for query option '{name}'.")
    return number


def _page(
    items: list[dict[str, Any]], query: dict[str, str], prefer: dict[str, str], *, default: int
) -> tuple[list[dict[str, Any]], int | None]:
    size = _page_size(prefer, default)
    if "$top" in query:
        size = _int_option(query, "$top", default)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise bad_request(f"Invalid value '{size}' for query option '$top'.")
    skip = _int_option(query, "$skip", 0)
    page = items[skip : skip + size]
    next_skip = skip + size if len(items) > skip + size else None
    return page, next_skip


def _next_link(base: str, query: dict[str, str], skip: int) -> str:
    params = {k: v for k, v in query.items() if k != "$skip"}
    params["$skip"] = str(skip)
    return base + "?" + urlencode(params, safe="$:,", quote_via=quote)


def _select(items: list[dict[str, Any]], select: str | None) -> list[dict[str, Any]]:
    if not select:
        return items
    wanted = {name.strip().lower() for name in select.split(",") if name.strip()}
    return [
        {
            k: copy.deepcopy(v)
            for k, v in item.items()
            # An expanded navigation property comes with any $select.
            if k.lower() in wanted or k in ("id", "@odata.etag", "singleValueExtendedProperties")
        }
        for item in items
    ]


_EXPAND = re.compile(r"^singleValueExtendedProperties\(\$filter=(.+)\)$", re.IGNORECASE)
_ID_EQ = re.compile(r"^id eq '([^']+)'$", re.IGNORECASE)
_HAS_PROPERTY = re.compile(
    r"^singleValueExtendedProperties/any\((\w+):\s*\1/id eq '([^']+)' and \1/value ne null\)$",
    re.IGNORECASE,
)


def _expanded_ids(query: dict[str, str]) -> tuple[str, ...] | None:
    """The extended property ids of ``$expand=singleValueExtendedProperties($filter=id
    eq 'A' or id eq 'B')``, the one ``$expand`` emulated; others answer 501."""
    value = query.get("$expand")
    if value is None:
        return None
    match = _EXPAND.match(value.strip())
    ids = [_ID_EQ.match(part.strip()) for part in match[1].split(" or ")] if match else [None]
    if not all(ids):
        raise GraphError(501, "NotImplemented", f"The $expand '{value}' is not emulated.")
    return tuple(m[1] for m in ids if m)


def _property_filter(query: dict[str, str]) -> str | None:
    """``$filter=singleValueExtendedProperties/any(ep: ep/id eq 'X' and ep/value ne
    null)``: the events carrying property X (the one ``$filter`` emulated)."""
    value = query.get("$filter")
    if value is None:
        return None
    match = _HAS_PROPERTY.match(value.strip())
    if match is None:
        raise GraphError(501, "NotImplemented", f"The $filter '{value}' is not emulated.")
    return match[2]


def _with_properties(
    resource: dict[str, Any], instance: Instance, wanted: tuple[str, ...] | None
) -> dict[str, Any]:
    """Graph answers the expanded properties only when asked, and leaves the key out
    when the event has none of them."""
    if wanted is None:
        return resource
    found = expanded_properties(instance.record.fields, wanted)
    return {**resource, "singleValueExtendedProperties": found} if found else resource


def _not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def _segment_not_found(segment: str) -> GraphError:
    return bad_request(f"Resource not found for the segment '{segment}'.")


def _method_not_allowed(verb: str) -> GraphError:
    return GraphError(
        405, "BadRequest", f"The HTTP method '{verb}' is not allowed for this resource."
    )
