"""A local Zoom: OAuth (with rotating refresh tokens and PKCE) and the meetings API.

Runs a real HTTP server on 127.0.0.1 so adapters are tested through ``requests``
exactly as in production. Behaviour follows the Zoom section of PROVIDERS.md and
Zoom's documented shapes; deliberate simplifications are listed on :class:`ZoomEmulator`.

    with ZoomEmulator() as zoom:
        app = ZoomApp(zoom.client_id, zoom.client_secret, endpoints=zoom.endpoints)
        zoom.fail_next(1, 503)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.providers.zoom import ZoomEndpoints

__all__ = ["ZoomEmulator"]

DAILY_LIMIT_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API "
    "requests permitted for this particular user. You may resume these requests at "
    "GMT 00:00:00."
)
DEFAULT_MESSAGES = {
    429: "You have reached the maximum per-second rate limit for this API. Try again later.",
    500: "Internal Server Error.",
    502: "Bad Gateway.",
    503: "Service Unavailable.",
}
# Zoom's meeting ids are 9 to 11 digits; start above 2**32 so an int32 anywhere breaks.
FIRST_MEETING_ID = 85_000_000_001
# The list endpoint truncates agendas; the single-meeting endpoint does not.
LIST_AGENDA_LENGTH = 250
MAX_TOPIC = 200
MAX_AGENDA = 2000
MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30
CODE_LIFETIME = timedelta(minutes=10)
# Zoom's answer to fields it refuses (developers.zoom.us/docs/api/errors): code 300,
# one entry per field, "Invalid field." or, for a required one, "Missing field.".
VALIDATION_FAILED = "Validation Failed."
INVALID_FIELD = "Invalid field."
MISSING_FIELD = "Missing field."


@dataclass
class _Fault:
    remaining: int
    status: int
    code: int | None
    message: str | None
    retry_after: float | None
    path_contains: str | None
    errors: list[dict[str, str]] | None = None


@dataclass
class _Grant:
    refresh_token: str
    scope: str
    revoked: bool = False


@dataclass
class _AccessToken:
    grant_id: int
    expires_at: datetime
    expired: bool = False


@dataclass
class _Code:
    redirect_uri: str
    expires_at: datetime
    challenge: str | None
    challenge_method: str | None


@dataclass
class _State:
    codes: dict[str, _Code] = field(default_factory=dict)
    grants: dict[int, _Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, int] = field(default_factory=dict)
    access_tokens: dict[str, _AccessToken] = field(default_factory=dict)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_meeting_id: int = FIRST_MEETING_ID
    page_tokens: dict[str, tuple[str, int]] = field(default_factory=dict)
    daily_writes: dict[date, int] = field(default_factory=dict)
    faults: list[_Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    latency: float = 0.0
    deny_consent: bool = False


class _Reply(Exception):
    """Raised inside a handler to answer at once."""

    def __init__(
        self, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _api_error(status: int, code: int, message: str) -> _Reply:
    return _Reply(status, {"code": code, "message": message})


def _validation_failed(errors: list[dict[str, str]]) -> _Reply:
    return _Reply(400, {"code": 300, "message": VALIDATION_FAILED, "errors": errors})


class _Refusals:
    """Collects every refused field of a request: Zoom names them all at once."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, field: str, message: str = INVALID_FIELD) -> None:
        self.errors.append({"field": field, "message": message})

    def raise_any(self) -> None:
        if self.errors:
            raise _validation_failed(self.errors)


def _oauth_error(status: int, error: str, reason: str) -> _Reply:
    return _Reply(status, {"reason": reason, "error": error})


def _zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ZoomEmulator:
    """One Zoom account with one user, one registered OAuth app.

    Simplifications (on purpose): only scheduled meetings (type 2); a single
    user, addressed as ``me`` or by id; ``start_time`` must be ``...Z`` (UTC) or a
    local time without offset (read in ``timezone``); page tokens never expire; the
    daily create/update limit counts per UTC day and ignores deletes.
    """

    REDIRECT_URI = "https://rendezvous.test/integrations/zoom/callback"

    def __init__(
        self,
        *,
        client_id: str = "rdv-zoom-client",
        client_secret: str = "rdv-zoom-secret",  # noqa: S107 (a fake app's secret)
        redirect_uris: tuple[str, ...] = (REDIRECT_URI,),
        expires_in: int = 3600,
        daily_create_limit: int = 100,
        scope: str = "meeting:read meeting:write user:read",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.expires_in = expires_in
        self.daily_create_limit = daily_create_limit
        self.scope = scope
        self.now = now
        self.user: dict[str, Any] = {
            "id": "KDcuGIm1QgePTO8WbOqwIQ",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "display_name": "Ada Lovelace",
            "email": "ada@example.com",
            "type": 2,
            "timezone": "Europe/London",
            "account_id": "q6gBJVO5TzexKYTb_I2rpg",
            "status": "active",
        }
        self._lock = threading.Lock()
        self._state = _State()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    def __enter__(self) -> ZoomEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.emulator = self
        self._server = server
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("ZoomEmulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def authorize_url(self) -> str:
        return self.base_url + "/oauth/authorize"

    @property
    def token_url(self) -> str:
        return self.base_url + "/oauth/token"

    @property
    def revoke_url(self) -> str:
        return self.base_url + "/oauth/revoke"

    @property
    def api_base(self) -> str:
        return self.base_url + "/v2"

    @property
    def endpoints(self) -> ZoomEndpoints:
        return ZoomEndpoints(self.authorize_url, self.token_url, self.api_base, self.revoke_url)

    # -- control -----------------------------------------------------------------

    def fail_next(
        self,
        n: int,
        status: int,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        path_contains: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` and a Zoom error body.

        ``errors`` (field -> message) makes it Zoom's validation failure instead:
        ``{"code": 300, "message": "Validation Failed.", "errors": [...]}``, status 400
        unless given.
        """
        listed = None
        if errors is not None:
            listed = [{"field": field, "message": text} for field, text in errors.items()]
            code, message = code or 300, message or VALIDATION_FAILED
        with self._lock:
            self._state.faults.append(
                _Fault(n, status, code, message, retry_after, path_contains, listed)
            )

    def set_latency(self, seconds: float) -> None:
        """Delay every response (after the work is done, as a slow network would)."""
        with self._lock:
            self._state.latency = seconds

    def deny_consent(self, deny: bool = True) -> None:
        """The user clicks "Decline" on Zoom's consent screen."""
        with self._lock:
            self._state.deny_consent = deny

    def revoke_grant(self) -> None:
        """The user removes the app: every refresh and access token stops working."""
        with self._lock:
            for grant in self._state.grants.values():
                grant.revoked = True

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self._state.access_tokens.values():
                token.expired = True

    @property
    def meetings(self) -> dict[int, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._state.meetings)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request received, query strings left out."""
        with self._lock:
            return list(self._state.requests)

    # -- request handling (called on server threads) ------------------------------

    def _handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None, dict[str, str], float]:
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with self._lock:
            self._state.requests.append((method, url.path))
            latency = self._state.latency
            try:
                self._inject_fault(url.path)
                status, payload, extra = self._route(method, url.path, query, headers, body)
            except _Reply as reply:
                status, payload, extra = reply.status, reply.body, reply.headers
        return status, payload, extra, latency

    def _inject_fault(self, path: str) -> None:
        for fault in self._state.faults:
            if fault.remaining > 0 and (fault.path_contains is None or fault.path_contains in path):
                fault.remaining -= 1
                message = fault.message or DEFAULT_MESSAGES.get(fault.status, "Error.")
                headers = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = f"{fault.retry_after:g}"
                body: dict[str, Any] = {"code": fault.code or fault.status, "message": message}
                if fault.errors is not None:
                    body["errors"] = copy.deepcopy(fault.errors)
                raise _Reply(fault.status, body, headers)

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        if (method, path) == ("GET", "/oauth/authorize"):
            return self._authorize(query)
        if (method, path) == ("POST", "/oauth/token"):
            return 200, self._token(headers, body), {}
        if (method, path) == ("POST", "/oauth/revoke"):
            return 200, self._revoke(query, headers, body), {}
        if not path.startswith("/v2/"):
            raise _api_error(404, 404, "Not Found")
        self._authenticate(headers)
        rest = path.removeprefix("/v2")
        user = re.fullmatch(r"/users/([^/]+)(/meetings)?", rest)
        if user is not None:
            if user.group(1) not in ("me", self.user["id"]):
                raise _api_error(404, 1001, f"User does not exist: {user.group(1)}.")
            if user.group(2) is None and method == "GET":
                return 200, dict(self.user), {}
            if user.group(2) is not None and method == "POST":
                return 201, self._create_meeting(_json_body(body)), {}
            if user.group(2) is not None and method == "GET":
                return 200, self._list_meetings(query), {}
        meeting = re.fullmatch(r"/meetings/([^/]+)", rest)
        if meeting is not None:
            found = self._meeting(meeting.group(1))
            if method == "GET":
                return 200, copy.deepcopy(found), {}
            if method == "PATCH":
                self._update_meeting(found, _json_body(body))
                return 204, None, {}
            if method == "DELETE":
                del self._state.meetings[found["id"]]
                return 204, None, {}
        raise _api_error(404, 404, "Not Found")

    # -- OAuth ---------------------------------------------------------------------

    def _authorize(self, query: dict[str, str]) -> tuple[int, None, dict[str, str]]:
        if query.get("client_id") != self.client_id:
            raise _oauth_error(400, "invalid_client", "Invalid client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            # Never redirect to an unregistered URI: that would leak the code.
            raise _oauth_error(400, "invalid_request", f"Invalid redirect: {redirect_uri}")
        state = query.get("state")

        def back(**params: str) -> tuple[int, None, dict[str, str]]:
            if state is not None:
                params["state"] = state
            return 302, None, {"Location": f"{redirect_uri}?{urlencode(params)}"}

        if query.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if not state:
            return back(error="invalid_request", error_description="state is required")
        challenge = query.get("code_challenge")
        method = query.get("code_challenge_method", "plain") if challenge else None
        if method not in (None, "plain", "S256"):
            return back(error="invalid_request", error_description="bad code_challenge_method")
        if self._state.deny_consent:
            return back(error="access_denied")
        code = secrets.token_urlsafe(24)
        self._state.codes[code] = _Code(redirect_uri, self.now() + CODE_LIFETIME, challenge, method)
        return back(code=code)

    def _token(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        if _basic_credentials(headers) != (self.client_id, self.client_secret):
            raise _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant_id = self._redeem_code(form)
        elif grant_type == "refresh_token":
            grant_id = self._state.refresh_tokens.pop(form.get("refresh_token", ""), -1)
            if grant_id < 0 or self._state.grants[grant_id].revoked:
                raise _oauth_error(400, "invalid_grant", "Invalid Token!")
        else:
            raise _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
        return self._issue(grant_id)

    def _revoke(
        self, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        # Zoom revokes by access token (query or form), authenticated as the app, and
        # the whole grant goes: its refresh token and every access token.
        if _basic_credentials(headers) != (self.client_id, self.client_secret):
            raise _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()}
        token = self._state.access_tokens.get(form.get("token") or query.get("token", ""))
        if token is None or self._state.grants[token.grant_id].revoked:
            raise _oauth_error(400, "invalid_request", "Invalid Token!")
        self._state.grants[token.grant_id].revoked = True
        return {"status": "success"}

    def _redeem_code(self, form: dict[str, str]) -> int:
        # Codes are single-use: popped even when the rest of the request is wrong.
        code = self._state.codes.pop(form.get("code", ""), None)
        if code is None or code.expires_at < self.now():
            raise _oauth_error(400, "invalid_grant", "Invalid authorization code")
        if form.get("redirect_uri") != code.redirect_uri:
            raise _oauth_error(400, "invalid_grant", "Redirect URI mismatch.")
        if code.challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = verifier
            if code.challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode("ascii")).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            if not verifier or expected != code.challenge:
                raise _oauth_error(400, "invalid_grant", "Invalid code_verifier.")
        grant_id = len(self._state.grants) + 1
        self._state.grants[grant_id] = _Grant(refresh_token="", scope=self.scope)
        return grant_id

    def _issue(self, grant_id: int) -> dict[str, Any]:
        grant = self._state.grants[grant_id]
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        # Rotation: the refresh token just used was popped; only the new one works.
        grant.refresh_token = refresh
        self._state.refresh_tokens[refresh] = grant_id
        self._state.access_tokens[access] = _AccessToken(
            grant_id, self.now() + timedelta(seconds=self.expires_in)
        )
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": self.expires_in,
            "scope": grant.scope,
            "api_url": self.base_url,
        }

    def _authenticate(self, headers: dict[str, str]) -> None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        token = self._state.access_tokens.get(value) if scheme.lower() == "bearer" else None
        if token is None or self._state.grants[token.grant_id].revoked:
            raise _api_error(401, 124, "Invalid access token.")
        if token.expired or token.expires_at <= self.now():
            raise _api_error(401, 124, "Access token is expired.")

    # -- meetings ------------------------------------------------------------------

    def _meeting(self, raw_id: str) -> dict[str, Any]:
        meeting = self._state.meetings.get(int(raw_id)) if raw_id.isdigit() else None
        if meeting is None:
            raise _api_error(404, 3001, f"Meeting does not exist: {raw_id}.")
        return meeting

    def _count_write(self) -> None:
        today = self.now().astimezone(UTC).date()
        used = self._state.daily_writes.get(today, 0)
        if used >= self.daily_create_limit:
            tomorrow = today + timedelta(days=1)
            raise _Reply(
                429,
                {"code": 429, "message": DAILY_LIMIT_MESSAGE.format(limit=self.daily_create_limit)},
                {
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": str(self.daily_create_limit),
                    "X-RateLimit-Remaining": "0",
                    "Retry-After": f"{tomorrow.isoformat()}T00:00:00Z",
                },
            )
        self._state.daily_writes[today] = used + 1

    def _create_meeting(self, body: dict[str, Any]) -> dict[str, Any]:
        refusals = _Refusals()
        if body.get("type", 2) != 2:
            refusals.add("type")
        fields = _validated_fields(body, self.user["timezone"], refusals)
        if "start_time" not in body:
            refusals.add("start_time", MISSING_FIELD)
        settings = _settings(body, refusals)
        refusals.raise_any()
        self._count_write()
        meeting_id = self._state.next_meeting_id
        self._state.next_meeting_id += 1
        password = secrets.token_urlsafe(6)[:8]
        encrypted = secrets.token_urlsafe(24)
        meeting: dict[str, Any] = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode("ascii"),
            "id": meeting_id,
            "host_id": self.user["id"],
            "host_email": self.user["email"],
            "topic": "Zoom Meeting",
            "type": 2,
            "status": "waiting",
            "duration": 60,
            "timezone": self.user["timezone"],
            "agenda": "",
            "created_at": _zulu(self.now()),
            "start_url": f"https://zoom.us/s/{meeting_id}?zak={secrets.token_urlsafe(32)}",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={encrypted}",
            "password": password,
            "h323_password": password,
            "pstn_password": password,
            "encrypted_password": encrypted,
            "settings": {
                "host_video": False,
                "participant_video": False,
                "join_before_host": False,
                "mute_upon_entry": False,
                "waiting_room": True,
                "approval_type": 2,
                "audio": "voip",
                "auto_recording": "none",
                **settings,
            },
            "pre_schedule": False,
            **fields,
        }
        self._state.meetings[meeting_id] = meeting
        return copy.deepcopy(meeting)

    def _update_meeting(self, meeting: dict[str, Any], body: dict[str, Any]) -> None:
        refusals = _Refusals()
        if "type" in body and body["type"] != 2:
            refusals.add("type")
        fields = _validated_fields(body, meeting["timezone"], refusals)
        settings = _settings(body, refusals)
        refusals.raise_any()
        self._count_write()
        meeting.update(fields)
        meeting["settings"].update(settings)

    def _list_meetings(self, query: dict[str, str]) -> dict[str, Any]:
        token = query.get("next_page_token")
        if token:
            if token not in self._state.page_tokens:
                raise _api_error(400, 300, "Invalid next_page_token.")
            list_type, offset = self._state.page_tokens[token]
        else:
            list_type, offset = query.get("type", "scheduled"), 0
        refusals = _Refusals()
        if list_type not in ("scheduled", "upcoming"):
            refusals.add("type")
        try:
            page_size = min(int(query.get("page_size", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        except ValueError:
            page_size = 0
        if page_size < 1:
            refusals.add("page_size")
        refusals.raise_any()
        now = self.now()
        meetings = sorted(self._state.meetings.values(), key=lambda m: (m["start_time"], m["id"]))
        if list_type == "upcoming":
            meetings = [
                m
                for m in meetings
                if datetime.fromisoformat(m["start_time"]) + timedelta(minutes=m["duration"]) > now
            ]
        page = meetings[offset : offset + page_size]
        next_token = ""
        if offset + page_size < len(meetings):
            next_token = secrets.token_urlsafe(16)
            self._state.page_tokens[next_token] = (list_type, offset + page_size)
        return {
            "page_size": page_size,
            "total_records": len(meetings),
            "next_page_token": next_token,
            "meetings": [_list_item(m) for m in page],
        }


def _list_item(meeting: dict[str, Any]) -> dict[str, Any]:
    keys = ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone")
    item = {key: meeting[key] for key in keys}
    item["agenda"] = meeting["agenda"][:LIST_AGENDA_LENGTH]
    item["created_at"] = meeting["created_at"]
    item["join_url"] = meeting["join_url"]
    return item


def _validated_fields(
    body: dict[str, Any], default_zone: str, refusals: _Refusals
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    zone = default_zone
    if "timezone" in body:
        try:
            ZoneInfo(body["timezone"])
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            refusals.add("timezone")
        else:
            fields["timezone"] = zone = body["timezone"]
    if "topic" in body:
        topic = body["topic"]
        if not isinstance(topic, str) or len(topic) > MAX_TOPIC:
            refusals.add("topic")
        else:
            fields["topic"] = topic
    if "agenda" in body:
        agenda = body["agenda"]
        if not isinstance(agenda, str) or len(agenda) > MAX_AGENDA:
            refusals.add("agenda")
        else:
            fields["agenda"] = agenda
    if "duration" in body:
        duration = body["duration"]
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
            refusals.add("duration")
        else:
            fields["duration"] = duration
    if "start_time" in body:
        start = _parse_start(body["start_time"], zone)
        if start is None:
            refusals.add("start_time")
        else:
            fields["start_time"] = start
    return fields


def _settings(body: dict[str, Any], refusals: _Refusals) -> dict[str, Any]:
    settings = body.get("settings") or {}
    if not isinstance(settings, dict):
        refusals.add("settings")
        return {}
    return settings


def _parse_start(value: Any, zone: str) -> str | None:
    # Zoom: "yyyy-MM-ddTHH:mm:ssZ" is UTC; without the Z it is local time in
    # ``timezone``. Offsets such as +02:00 are not part of the contract.
    text = value if isinstance(value, str) else ""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(Z?)", text)
    try:
        if match is None:
            raise ValueError(text)
        local = datetime.fromisoformat(match.group(1))
    except ValueError:
        return None
    moment = local.replace(tzinfo=UTC if match.group(2) else ZoneInfo(zone))
    return _zulu(moment)


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise _api_error(400, 300, "Request Body should be a valid JSON object.")
    return data


def _basic_credentials(headers: dict[str, str]) -> tuple[str, str] | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
    except ValueError:
        return None
    return user, password


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: ZoomEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out closes its socket before we answer; that is the
        # point of the latency knob, not an error worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait
    # for a delayed ACK (~40 ms) on every request.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        emulator = self.server.emulator
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, payload, extra, latency = emulator._handle(self.command, self.path, headers, body)
        if latency and emulator._stopping.wait(latency):
            self.close_connection = True
            return
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return
