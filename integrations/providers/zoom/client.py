"""A small Zoom REST client for one connected account: the user and their meetings.

Tokens: the client starts from the account's stored :class:`OAuthTokens` and calls
``on_tokens`` with every new pair the moment Zoom issues it, before doing anything
else; the caller must persist it there (vault), because Zoom has already spent the
old refresh token. The access token is refreshed ``refresh_margin`` before it
expires, and once more on a 401 code 124 (Zoom revokes access tokens early, e.g.
after a password change), after which the request is retried once. If
``on_tokens`` raises, the error propagates and the request is not sent.

One client per account per job. Refreshes are serialised inside the client; across
clients and processes the caller serialises them through ``refresher``: two
refreshes with the same refresh token make the second fail with ``invalid_grant``,
which would wrongly mark the account "reconnect needed".

Idempotent creates: Zoom picks meeting ids, so a create whose response was lost (a
timeout, a crash before the booking was saved) cannot be retried blindly. The
outbox job passes a ``marker`` unique to the booking (e.g. ``"[rdv:BOOKING_UID]"``)
to :meth:`ZoomClient.create_meeting`, and before every (re)try calls
:meth:`ZoomClient.find_meeting_by_marker`; only when that finds nothing does it
create.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from integrations.accounts.errors import (
    AuthExpired,
    ProviderError,
    RemoteNotFound,
    Unavailable,
)
from integrations.accounts.tokens import OAuthTokens
from integrations.providers.zoom.oauth import ZoomApp
from integrations.providers.zoom.responses import (
    INVALID_ACCESS_TOKEN,
    api_code,
    error_from_response,
)

__all__ = ["DEFAULT_REFRESH_MARGIN", "ZoomClient", "ZoomMeeting", "ZoomUser"]

DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
#: Zoom rejects longer values with code 300; a booking must not fail over a long title.
MAX_TOPIC = 200
MAX_AGENDA = 2000
#: Zoom's maximum for the meeting list.
MAX_PAGE_SIZE = 300
#: Meeting type 2: a scheduled meeting (1 is instant, 3 and 8 recurring).
SCHEDULED = 2


@dataclass(frozen=True, slots=True)
class ZoomUser:
    id: str
    email: str
    first_name: str
    last_name: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ZoomMeeting:
    id: int
    uuid: str
    topic: str
    start: datetime
    duration_minutes: int
    time_zone: str
    agenda: str
    join_url: str
    #: Carries the host's ZAK and expires after about two hours: hand it out fresh
    #: from :meth:`ZoomClient.get_meeting`, never store it.
    start_url: str = field(repr=False)
    password: str = field(repr=False)


class ZoomClient:
    def __init__(
        self,
        app: ZoomApp,
        tokens: OAuthTokens,
        on_tokens: Callable[[OAuthTokens], None],
        *,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
        session: requests.Session | None = None,
        refresher: Callable[[OAuthTokens], OAuthTokens] | None = None,
    ) -> None:
        """``refresher``, when given, replaces refresh-then-``on_tokens``: it turns the
        stale pair into a fresh one that is already stored, and may return a pair
        another process refreshed meanwhile (see ``integrations.video.service``)."""
        self._app = app
        self._tokens = tokens
        self._on_tokens = on_tokens
        self._refresher = refresher
        self._refresh_margin = refresh_margin
        self._http = session or requests.Session()
        self._refresh_lock = threading.Lock()

    def __enter__(self) -> ZoomClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def tokens(self) -> OAuthTokens:
        return self._tokens

    def me(self) -> ZoomUser:
        data = self._json("GET", "/users/me")
        try:
            first, last = str(data.get("first_name", "")), str(data.get("last_name", ""))
            return ZoomUser(
                id=str(data["id"]),
                email=str(data["email"]),
                first_name=first,
                last_name=last,
                display_name=str(data.get("display_name") or f"{first} {last}".strip()),
            )
        except (KeyError, AttributeError) as exc:
            raise ProviderError(f"unexpected Zoom user: missing {exc}") from exc

    def create_meeting(
        self,
        topic: str,
        start: datetime,
        duration_minutes: int,
        time_zone: str,
        agenda: str = "",
        *,
        marker: str | None = None,
    ) -> ZoomMeeting:
        """A scheduled meeting; ``marker`` goes first in the agenda (see module doc)."""
        body: dict[str, Any] = {
            "type": SCHEDULED,
            **_meeting_fields(
                topic=topic,
                start=start,
                duration_minutes=duration_minutes,
                time_zone=time_zone,
                agenda=agenda,
                marker=marker,
            ),
        }
        return _meeting_from(self._json("POST", "/users/me/meetings", json=body))

    def get_meeting(self, meeting_id: int) -> ZoomMeeting:
        return _meeting_from(self._json("GET", f"/meetings/{int(meeting_id)}"))

    def update_meeting(
        self,
        meeting_id: int,
        *,
        topic: str | None = None,
        start: datetime | None = None,
        duration_minutes: int | None = None,
        time_zone: str | None = None,
        agenda: str | None = None,
        marker: str | None = None,
    ) -> None:
        """Change only the fields given. Pass the ``marker`` again with a new agenda."""
        body = _meeting_fields(
            topic=topic,
            start=start,
            duration_minutes=duration_minutes,
            time_zone=time_zone,
            agenda=agenda,
            marker=marker,
        )
        if not body:
            raise ValueError("update_meeting needs at least one field to change")
        self._request("PATCH", f"/meetings/{int(meeting_id)}", json=body)

    def delete_meeting(self, meeting_id: int, *, missing_ok: bool = True) -> None:
        """Delete; with ``missing_ok`` a meeting that is already gone counts as done."""
        try:
            self._request("DELETE", f"/meetings/{int(meeting_id)}")
        except RemoteNotFound:
            if not missing_ok:
                raise

    def find_meeting_by_marker(
        self, marker: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> ZoomMeeting | None:
        """The meeting whose agenda or topic carries ``marker``, if any.

        Lists ``type=scheduled`` rather than ``upcoming``: it also holds meetings
        whose start has passed, which a retry after a long outage may be about.
        """
        params: dict[str, str | int] = {"type": "scheduled", "page_size": page_size}
        while True:
            page = self._json("GET", "/users/me/meetings", params=params)
            if not isinstance(page, dict):
                raise ProviderError("unexpected Zoom meeting list")
            for item in page.get("meetings") or []:
                if marker in str(item.get("agenda", "")) or marker in str(item.get("topic", "")):
                    # The list truncates agendas and lacks start_url and password.
                    return self.get_meeting(int(item["id"]))
            next_page = page.get("next_page_token")
            if not next_page:
                return None
            params = {**params, "next_page_token": str(next_page)}

    def revoke(self) -> None:
        """Revoke the account's grant at Zoom. Zoom revokes by access token, so an
        expiring one is refreshed first; a refresh answered ``invalid_grant`` means the
        grant is already gone (the user removed the app), which is what we wanted."""
        current = self._tokens
        if current.expires_within(self._refresh_margin, self._app.now()):
            try:
                current = self._refresh(current)
            except AuthExpired:
                return
        self._app.revoke(current.access_token)

    def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Any:
        response = self._request(method, path, params=params, json=json)
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"Zoom answered {method} {path} with invalid JSON") from exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        current = self._tokens
        if current.expires_within(self._refresh_margin, self._app.now()):
            current = self._refresh(current)
        response = self._send(method, path, current, params, json)
        if response.status_code == 401 and api_code(response) == INVALID_ACCESS_TOKEN:
            # A 401 is safe to retry even for POST: Zoom did nothing with the request.
            current = self._refresh(current)
            response = self._send(method, path, current, params, json)
        if not response.ok:
            raise error_from_response(response, self._app.now())
        return response

    def _refresh(self, stale: OAuthTokens) -> OAuthTokens:
        with self._refresh_lock:
            # Another thread may have rotated while we waited; refreshing again with
            # the spent token would be answered invalid_grant.
            if self._tokens is not stale:
                return self._tokens
            if self._refresher is not None:
                fresh = self._refresher(stale)
            else:
                fresh = self._app.refresh(stale)
                self._on_tokens(fresh)
            self._tokens = fresh
            return fresh

    def _send(
        self,
        method: str,
        path: str,
        tokens: OAuthTokens,
        params: Mapping[str, str | int] | None,
        json: Mapping[str, Any] | None,
    ) -> requests.Response:
        try:
            return self._http.request(
                method,
                self._app.endpoints.api_base + path,
                params=params,
                json=json,
                headers={
                    "Authorization": f"Bearer {tokens.access_token}",
                    "Accept": "application/json",
                },
                timeout=self._app.timeout,
            )
        except requests.RequestException as exc:
            # After a read timeout Zoom may still have acted (a create included).
            raise Unavailable(f"Zoom did not answer {method} {path}: {exc}") from exc


def _meeting_fields(
    *,
    topic: str | None,
    start: datetime | None,
    duration_minutes: int | None,
    time_zone: str | None,
    agenda: str | None,
    marker: str | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if topic is not None:
        body["topic"] = topic[:MAX_TOPIC]
    if start is not None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        # UTC with "Z": Zoom reads a start_time without it in ``timezone``.
        body["start_time"] = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if duration_minutes is not None:
        if duration_minutes < 1:
            raise ValueError("duration_minutes must be positive")
        body["duration"] = duration_minutes
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        # "Europe" names a tzdata directory: IsADirectoryError, an OSError.
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        body["timezone"] = time_zone
    if agenda is not None or marker is not None:
        text = "\n".join(part for part in (marker, agenda) if part)
        body["agenda"] = text[:MAX_AGENDA]
    return body


def _meeting_from(data: Any) -> ZoomMeeting:
    try:
        return ZoomMeeting(
            id=int(data["id"]),
            uuid=str(data["uuid"]),
            topic=str(data.get("topic", "")),
            start=datetime.fromisoformat(str(data["start_time"])).astimezone(UTC),
            duration_minutes=int(data["duration"]),
            time_zone=str(data.get("timezone", "")),
            agenda=str(data.get("agenda", "")),
            join_url=str(data["join_url"]),
            start_url=str(data.get("start_url", "")),
            password=str(data.get("password", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProviderError(f"unexpected Zoom meeting: {exc!r}") from exc
