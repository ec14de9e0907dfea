"""A local emulator of the Google Calendar v3 API and Google's OAuth 2.0 endpoints.

A real HTTP server on loopback that the real client libraries talk to::

    with GoogleCalendarEmulator() as g:
        service = g.build_service()
        service.events().list(calendarId="primary").execute()

Requests are routed and checked against the discovery document shipped in
google-api-python-client (an unknown parameter is a 400, as on Google). Tests
act as the user in Google's UI through the control methods (``add_event``,
``edit_event``, ...) and inject faults (``fail_next``, ``expire_sync_tokens``,
``revoke_refresh_token``, ``set_latency``).

Implemented methods: calendarList.list/get, events.list/get/insert/patch/update/
delete/move/instances/watch, freebusy.query, channels.stop; any other method of
the discovery document answers 501.

Writes honour the calendar's access role (a reader gets 403 requiredAccessLevel)
and a guest's copy of someone else's event (403 forbiddenForNonOrganizer for shared
properties); ``notifications`` records the e-mails ``sendUpdates`` would have sent.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from google.oauth2.credentials import Credentials
from googleapiclient.discovery import Resource, build

from tests.emulators.google_calendar import CalendarStore, require_writer
from tests.emulators.google_discovery import (
    Call,
    GoogleApiError,
    bad_request,
    calendar_discovery,
)
from tests.emulators.google_oauth import CALENDAR_SCOPE, OAuthError, OAuthServer, Reply
from tests.emulators.google_push import PushHub

API_PREFIX = "/calendar/v3/"
JSON = {"Content-Type": "application/json; charset=UTF-8"}


@dataclass(frozen=True)
class RecordedRequest:
    """One Calendar API request as the emulator saw it."""

    method_id: str
    calendar_id: str | None
    params: dict[str, str | list[str]]
    status: int


@dataclass(frozen=True)
class Notification:
    """The e-mails one write would have sent (``sendUpdates`` all or externalOnly)."""

    method_id: str
    event_id: str
    recipients: tuple[str, ...]


#: The methods that change events, and so take ``sendUpdates`` and need writer access.
WRITE_METHODS = frozenset(
    {
        "calendar.events.insert",
        "calendar.events.patch",
        "calendar.events.update",
        "calendar.events.delete",
        "calendar.events.move",
    }
)


@dataclass
class _Fault:
    remaining: int
    error: GoogleApiError
    method_id: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: GoogleCalendarEmulator


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as httplib2 expects of Google.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the keep-alive client's
    # delayed ACK cost 40 ms a request (a 1,000-event benchmark floor was 44 s of it).
    disable_nagle_algorithm = True
    server: _Server

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.emulator._serve(
            self.command, self.path, dict(self.headers.items()), body
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
    return status, {**JSON, **(headers or {})}, json.dumps(body).encode()


def _event_time(value: Any) -> Any:
    """Let control calls pass datetimes and dates where Google wants {dateTime}/{date}."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("use an aware datetime")
        return {"dateTime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


class GoogleCalendarEmulator:
    """Google Calendar v3 + OAuth 2.0 on ``127.0.0.1``; a context manager.

    ``now`` is the emulator's clock (token expiry, ``updated``, channel expiry,
    the recurrence horizon); replace it, or freeze time with time-machine.
    """

    def __init__(
        self,
        *,
        user_email: str = "host@example.com",
        time_zone: str = "UTC",
        client_id: str = "rendezvous-test.apps.googleusercontent.com",
        client_secret: str = "test-client-secret",  # noqa: S107 - a fake for tests
        redirect_uris: frozenset[str] | None = None,
        access_token_lifetime: timedelta = timedelta(hours=1),
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.user_email = user_email
        self.client_id = client_id
        self.client_secret = client_secret
        self.latency = 0.0
        self._lock = threading.RLock()
        self._discovery = calendar_discovery()
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._notifications: list[Notification] = []
        self._push = PushHub()
        self._store = CalendarStore(lambda: self.now(), self._changed)
        self._oauth = OAuthServer(lambda: self.now(), access_token_lifetime)
        self._oauth.add_client(client_id, client_secret, redirect_uris)
        self.add_calendar(user_email, user_email, primary=True, time_zone=time_zone)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.emulator = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.api_endpoint = self.base_url + API_PREFIX
        self.token_uri = self.base_url + "/token"
        self.authorize_url = self.base_url + "/o/oauth2/v2/auth"
        self.revoke_uri = self.base_url + "/revoke"
        # A short poll interval keeps close() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="google-emulator",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> GoogleCalendarEmulator:
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

    def issue_tokens(self, scopes: tuple[str, ...] = (CALENDAR_SCOPE,)) -> dict[str, Any]:
        """Tokens as a completed consent would give them, without the browser dance."""
        with self._lock:
            return self._oauth.issue(self.client_id, scopes, offline=True)

    def credentials(self, scopes: tuple[str, ...] = (CALENDAR_SCOPE,)) -> Credentials:
        tokens = self.issue_tokens(scopes)
        return Credentials(  # type: ignore[no-untyped-call]
            tokens["access_token"],
            refresh_token=tokens["refresh_token"],
            token_uri=self.token_uri,
            client_id=self.client_id,
            client_secret=self.client_secret,
            scopes=list(scopes),
        )

    def build_service(self, credentials: Credentials | None = None) -> Resource:
        return build(
            "calendar",
            "v3",
            credentials=credentials or self.credentials(),
            static_discovery=True,
            client_options={"api_endpoint": self.api_endpoint},
        )

    # -- control API: the user in Google's UI -------------------------------------

    def add_calendar(
        self,
        calendar_id: str,
        summary: str | None = None,
        *,
        primary: bool = False,
        time_zone: str = "UTC",
        background_color: str = "#9fe1e7",
        access_role: str = "owner",
    ) -> dict[str, Any]:
        """Create (or rename) a calendar; ``primary=True`` makes it the user's primary."""
        with self._lock:
            calendar = self._store.add_calendar(
                calendar_id,
                summary or calendar_id,
                primary=primary,
                time_zone=time_zone,
                background_color=background_color,
                access_role=access_role,
            )
            return calendar.list_entry()

    def add_event(
        self, calendar_id: str, *, organizer: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create an event; ``start``/``end`` may be aware datetimes or dates.
        ``organizer``: an invitation from that address (the calendar holds a guest's
        copy, which refuses changes to shared properties)."""
        body = {k: _event_time(v) if k in ("start", "end") else v for k, v in fields.items()}
        with self._lock:
            return copy.deepcopy(
                self._store.insert(calendar_id, body, by_user=True, organizer=organizer)
            )

    def edit_event(self, calendar_id: str, event_id: str, **changes: Any) -> dict[str, Any]:
        """Patch an event (an instance id edits that one occurrence only)."""
        body = {k: _event_time(v) if k in ("start", "end") else v for k, v in changes.items()}
        with self._lock:
            return copy.deepcopy(
                self._store.modify(calendar_id, event_id, body, replace=False, by_user=True)
            )

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        with self._lock:
            self._store.delete(calendar_id, event_id)

    def set_access_role(self, calendar_id: str, access_role: str) -> None:
        """Share the calendar with the user at another role ("reader", "writer", ...)."""
        with self._lock:
            self._store.calendar(calendar_id).access_role = access_role

    def move_event(self, calendar_id: str, event_id: str, destination: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._store.move(calendar_id, event_id, destination))

    def event(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        """An event as stored (deleted ones have status "cancelled")."""
        with self._lock:
            return self._store.get_event(calendar_id, event_id, None)

    def events(self, calendar_id: str) -> list[dict[str, Any]]:
        """Every stored event of a calendar, deleted ones included."""
        with self._lock:
            calendar = self._store.calendar(calendar_id)
            return [copy.deepcopy(s.resource) for s in calendar.events.values()]

    # -- control API: faults ------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int,
        reason: str,
        method_id: str | None = None,
        *,
        retry_after: int | None = None,
        message: str | None = None,
    ) -> None:
        """The next ``n`` API requests (of ``method_id``, e.g. "calendar.events.list",
        or of any method) fail with a Google-shaped error. The OAuth endpoints fail
        only when named: "oauth2.token" or "oauth2.revoke" (with OAuth's error shape)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        with self._lock:
            error = GoogleApiError(status, reason, message, headers=headers)
            self._faults.append(_Fault(n, error, method_id))

    def clear_faults(self) -> None:
        """Forget the faults ``fail_next`` armed that no request has met yet."""
        with self._lock:
            self._faults.clear()

    def expire_sync_tokens(self) -> None:
        """Every issued sync (and page) token now answers 410 fullSyncRequired."""
        with self._lock:
            self._store.expire_sync_tokens()

    def revoke_refresh_token(self, token: str | None = None) -> None:
        """Revoke one refresh token (or all), with the access tokens it minted."""
        with self._lock:
            self._oauth.revoke_refresh_token(token)

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._oauth.expire_access_tokens()

    def set_latency(self, seconds: float) -> None:
        """Delay every answer; the only sleeping the emulator does."""
        self.latency = seconds

    def deny_consent(self, deny: bool = True) -> None:
        """Make the authorize endpoint answer ``error=access_denied``."""
        with self._lock:
            self._oauth.consent_granted = not deny

    # -- inspection ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def count(self, method_id: str | None = None, calendar_id: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method_id is None or r.method_id == method_id)
            and (calendar_id is None or r.calendar_id == calendar_id)
        )

    @property
    def notifications(self) -> list[Notification]:
        """Every write that would have e-mailed guests, in order."""
        with self._lock:
            return list(self._notifications)

    @property
    def channels(self) -> list[dict[str, Any]]:
        with self._lock:
            return [c.resource() for c in self._push.channels.values()]

    # -- HTTP -----------------------------------------------------------------------

    def _changed(self, calendar_id: str, event_type: str) -> None:
        self._push.changed(calendar_id, self.now(), event_type)

    def _serve(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        if self.latency:
            time.sleep(self.latency)
        url = urlsplit(target)
        query = parse_qs(url.query, keep_blank_values=True)
        override = _header(headers, "X-HTTP-Method-Override")
        if verb == "POST" and override:
            # googleapiclient turns a GET with a very long URI into this POST.
            verb = override
            query.update(parse_qs(body.decode(), keep_blank_values=True))
            body = b""
        if url.path.startswith(API_PREFIX):
            return self._api(verb, url.path.removeprefix(API_PREFIX), query, headers, body)
        with self._lock:
            if url.path == "/o/oauth2/v2/auth" and verb == "GET":
                return self._oauth.authorize({k: v[-1] for k, v in query.items()})
            if url.path in ("/token", "/revoke") and verb == "POST":
                form = {
                    k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()
                }
                try:
                    self._oauth_fault("oauth2" + url.path.replace("/", "."))
                    if url.path == "/revoke":
                        self._oauth.revoke(form.get("token") or query.get("token", [""])[-1])
                        return _json(200, {})
                    return _json(200, self._oauth.token(form, _basic_auth(headers)))
                except OAuthError as error:
                    return _json(
                        error.status,
                        {"error": error.error, "error_description": error.description},
                    )
        return 404, {"Content-Type": "text/plain"}, b"Not Found"

    def _api(
        self,
        verb: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> Reply:
        with self._lock:
            try:
                method, path_params = self._discovery.route(verb, path)
            except GoogleApiError as error:
                return _json(error.status, error.body(), error.headers)
            calendar_id = path_params.get("calendarId")
            if calendar_id is not None:
                calendar_id = self._resolve_alias(calendar_id)
            params: dict[str, str | list[str]] = {**path_params, **query}
            try:
                self._fault(method.id)
                self._oauth.check(_bearer(headers, query), method.scopes)
                call = Call(method, path_params, self._discovery.check_query(method, query))
                reply = self._call(call, headers, _json_body(body))
            except GoogleApiError as error:
                reply = _json(error.status, error.body(), error.headers)
            self._requests.append(RecordedRequest(method.id, calendar_id, params, reply[0]))
            return reply

    def _resolve_alias(self, calendar_id: str) -> str:
        try:
            return self._store.calendar(calendar_id).id
        except GoogleApiError:
            return calendar_id

    def _take_fault(self, method_id: str, *, named_only: bool) -> GoogleApiError | None:
        """The error of the first fault for ``method_id`` (or, unless ``named_only``,
        for any method), counting it down; None when no fault applies."""
        for fault in self._faults:
            if fault.method_id == method_id or (fault.method_id is None and not named_only):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.error
        return None

    def _oauth_fault(self, method_id: str) -> None:
        error = self._take_fault(method_id, named_only=True)
        if error is not None:
            raise OAuthError(error.status, error.reason, error.message)

    def _fault(self, method_id: str) -> None:
        error = self._take_fault(method_id, named_only=False)
        if error is not None:
            raise error

    def _call(self, call: Call, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        if call.method.id not in WRITE_METHODS:
            return self._answer(call, headers, body)
        store = self._store
        path = call.path_params
        require_writer(store.calendar(path["calendarId"]))
        if call.method.id == "calendar.events.move":
            require_writer(store.calendar(call.str_param("destination") or ""))
        send = call.str_param("sendUpdates")
        if send is None and call.bool_param("sendNotifications"):
            send = "all"  # the deprecated switch
        if send not in ("all", "externalOnly"):
            return self._answer(call, headers, body)
        # Who hears of a deletion are the guests of the event before it.
        before = (
            store.get_event(path["calendarId"], path["eventId"], None)
            if call.method.id == "calendar.events.delete"
            else None
        )
        reply = self._answer(call, headers, body)
        event = before or json.loads(reply[2])
        recipients = _recipients(event, external_only=send == "externalOnly")
        if recipients:
            self._notifications.append(Notification(call.method.id, event["id"], recipients))
        return reply

    def _answer(self, call: Call, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        store = self._store
        path = call.path_params
        if_match = _header(headers, "If-Match")
        match call.method.id:
            case "calendar.calendarList.list":
                result = store.calendar_list(call)
            case "calendar.calendarList.get":
                result = store.calendar(path["calendarId"]).list_entry()
            case "calendar.events.list":
                result = store.list_events(path["calendarId"], call)
            case "calendar.events.get":
                result = store.get_event(path["calendarId"], path["eventId"], call)
            case "calendar.events.insert":
                event = store.insert(path["calendarId"], body)
                result = store.get_event(path["calendarId"], event["id"], call)
            case "calendar.events.patch" | "calendar.events.update":
                replace = call.method.id.endswith("update")
                event = store.modify(
                    path["calendarId"], path["eventId"], body, replace=replace, if_match=if_match
                )
                result = store.get_event(path["calendarId"], event["id"], call)
            case "calendar.events.delete":
                store.delete(path["calendarId"], path["eventId"], if_match=if_match)
                return 204, {}, b""
            case "calendar.events.move":
                result = store.move(
                    path["calendarId"], path["eventId"], call.str_param("destination") or ""
                )
            case "calendar.events.instances":
                result = store.instances(path["calendarId"], path["eventId"], call)
            case "calendar.events.watch":
                calendar = store.calendar(path["calendarId"])
                uri = f"{self.api_endpoint}calendars/{quote(path['calendarId'], safe='')}/events"
                channel = self._push.watch(
                    calendar.id,
                    uri + "?alt=json",
                    body,
                    self.now(),
                    event_types=frozenset(call.list_param("eventTypes")),
                )
                result = channel.resource()
            case "calendar.freebusy.query":
                result = store.freebusy(body)
            case "calendar.channels.stop":
                self._push.stop(body)
                return 204, {}, b""
            case _:
                raise GoogleApiError(501, "notImplemented", f"Not emulated: {call.method.id}")
        fields = call.str_param("fields")
        return _json(200, select_fields(result, fields) if fields else result)


def _recipients(event: dict[str, Any], *, external_only: bool) -> tuple[str, ...]:
    """The guests Google would e-mail about a change of ``event``: every attendee but
    the calendar's owner and the organiser; with externalOnly, only those outside the
    organiser's domain (the emulator's stand-in for "not a Google Calendar user")."""
    organizer = str(event.get("organizer", {}).get("email", "")).lower()
    domain = organizer.rpartition("@")[2]
    found = []
    for attendee in event.get("attendees", []):
        email = str(attendee.get("email", "")).lower()
        if attendee.get("self") or attendee.get("organizer") or email == organizer:
            continue
        if external_only and email.rpartition("@")[2] == domain:
            continue
        found.append(email)
    return tuple(found)


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _bearer(headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
    authorization = _header(headers, "Authorization") or ""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    for name in ("access_token", "oauth_token"):
        if name in query:
            return query[name][-1]
    return None


def _basic_auth(headers: dict[str, str]) -> tuple[str, str] | None:
    authorization = _header(headers, "Authorization") or ""
    if not authorization.lower().startswith("basic "):
        return None
    client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
    return client_id, secret


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise GoogleApiError(400, "parseError", "Parse Error") from None
    if not isinstance(parsed, dict):
        raise bad_request("Invalid JSON payload received.")
    return parsed


def select_fields(value: Any, fields: str) -> Any:
    """Google's partial response: ``fields=items(id,status),nextPageToken``."""
    return _select(value, _parse_fields(fields))


def _parse_fields(text: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    stack = [tree]
    node: dict[str, Any] = tree
    name = ""
    for char in text + ",":
        if char in ",()":
            if name:
                node = stack[-1]
                for part in name.strip().split("/"):
                    node = node.setdefault(part, {})
                name = ""
            if char == "(":
                stack.append(node)
            elif char == ")":
                if len(stack) == 1:
                    raise bad_request("Invalid field selection", "fields")
                stack.pop()
        else:
            name += char
    if len(stack) != 1:
        raise bad_request("Invalid field selection", "fields")
    return tree


def _select(value: Any, tree: dict[str, Any]) -> Any:
    if not tree:
        return value
    if isinstance(value, list):
        return [_select(item, tree) for item in value]
    if isinstance(value, dict):
        return {k: _select(value[k], sub) for k, sub in tree.items() if k in value}
    return value
