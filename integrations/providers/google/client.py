"""The Google Calendar adapter: :class:`~integrations.calendars.provider.CalendarProvider`
over googleapiclient, for one connected account.

Tokens: the adapter starts from the account's stored :class:`OAuthTokens`, refreshes
the access token ``refresh_margin`` before it expires (google-auth also refreshes on a
401 and retries once), and calls ``on_tokens`` with every new access token at once, so
the caller stores it encrypted before the next request. Every request carries a socket
timeout (httplib2 has none by default, and a hung Google would hang the sync).

Not thread-safe (httplib2 connections are not): one instance per sync job, used by one
thread at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import google_auth_httplib2
import httplib2
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from availability import classify_google_event
from integrations.calendars.errors import ProviderError
from integrations.calendars.provider import (
    ChangePage,
    EventFacts,
    PushChannel,
    RemoteCalendar,
    RemoteEvent,
    SyncWindow,
)
from integrations.oauth.tokens import OAuthTokens
from integrations.providers.google.oauth import GoogleApp
from integrations.providers.google.responses import FAILURES, translate

__all__ = ["DEFAULT_REFRESH_MARGIN", "GoogleCalendarProvider", "event_facts"]

DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
#: Google's largest events.list page: fewest round trips for a full sync.
PAGE_SIZE = 2500
_WRITABLE_ROLES = frozenset({"owner", "writer"})
_HIDDEN = frozenset({"private", "confidential"})


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _remote_event(item: Mapping[str, Any]) -> RemoteEvent:
    original = item.get("originalStartTime")
    original_start = None
    if isinstance(original, Mapping):
        value = original.get("dateTime") or original.get("date")
        original_start = str(value) if value else None
    return RemoteEvent(
        remote_id=str(item["id"]),
        deleted=item.get("status") == "cancelled",
        etag=item.get("etag"),
        ical_uid=item.get("iCalUID"),
        recurring_event_id=item.get("recurringEventId"),
        original_start=original_start,
        payload=item,
    )


def event_facts(event: Mapping[str, Any], *, host_zone: str) -> EventFacts | None:
    """What to store of a Google event, classified by availability's rules.

    Classified with tentative events counted, so the calendar's switch can be
    applied when reading; a free event is classified again as if opaque and
    accepted, only to learn the time it would occupy.
    """
    private = event.get("visibility") in _HIDDEN
    all_day = isinstance(event.get("start"), Mapping) and "date" in event["start"]
    block = classify_google_event(event, host_zone=host_zone, tentative_blocks=True)
    if block is not None:
        return EventFacts(
            block.start, block.end, all_day, True, block.tentative, private, block.title
        )
    occupied = {**event, "status": "confirmed", "transparency": "opaque", "attendees": []}
    span = classify_google_event(occupied, host_zone=host_zone)
    if span is None:
        return None
    return EventFacts(span.start, span.end, all_day, False, False, private, span.title)


class GoogleCalendarProvider:
    name = "google"

    def __init__(
        self,
        app: GoogleApp,
        tokens: OAuthTokens,
        *,
        on_tokens: Callable[[OAuthTokens], None] | None = None,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self._on_tokens = on_tokens
        self._refresh_margin = refresh_margin
        self._credentials = Credentials(  # type: ignore[no-untyped-call]
            tokens.access_token,
            refresh_token=tokens.refresh_token,
            token_uri=app.endpoints.token_uri,
            client_id=app.client_id,
            client_secret=app.client_secret,
            scopes=tokens.scope.split() or None,
            # google-auth compares naive UTC.
            expiry=tokens.expires_at.astimezone(UTC).replace(tzinfo=None),
        )
        self._http = google_auth_httplib2.AuthorizedHttp(
            self._credentials, http=httplib2.Http(timeout=app.timeout)
        )
        self._service = build(
            "calendar",
            "v3",
            http=self._http,
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": app.endpoints.api_endpoint},
        )

    # -- plumbing -------------------------------------------------------------------

    def _refresh_if_due(self) -> None:
        if self.tokens.expires_at - self.app.now() >= self._refresh_margin:
            return
        request = google_auth_httplib2.Request(httplib2.Http(timeout=self.app.timeout))
        try:
            self._credentials.refresh(request)  # type: ignore[no-untyped-call]
        except FAILURES as exc:
            raise translate(exc, self.app.now()) from exc
        self._note_tokens()

    def _note_tokens(self) -> None:
        credentials = self._credentials
        if credentials.token == self.tokens.access_token:
            return
        expiry = credentials.expiry
        self.tokens = OAuthTokens(
            access_token=str(credentials.token),
            # Google does not rotate refresh tokens; keep ours if none came back.
            refresh_token=credentials.refresh_token or self.tokens.refresh_token,
            expires_at=expiry.replace(tzinfo=UTC) if expiry else self.app.now(),
            scope=self.tokens.scope,
        )
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)

    def _execute(self, request: Any, *, if_match: str | None = None) -> Any:
        self._refresh_if_due()
        if if_match is not None:
            request.headers["If-Match"] = if_match
        try:
            return request.execute(num_retries=0)
        except FAILURES as exc:
            raise translate(exc, self.app.now()) from exc
        finally:
            # A 401 makes google-auth refresh behind our back: store what it got.
            self._note_tokens()

    # -- reading --------------------------------------------------------------------

    def list_calendars(self) -> list[RemoteCalendar]:
        calendars: list[RemoteCalendar] = []
        page: str | None = None
        while True:
            answer = self._execute(
                self._service.calendarList().list(pageToken=page, maxResults=250)
            )
            for entry in answer.get("items", []):
                calendars.append(
                    RemoteCalendar(
                        remote_id=str(entry["id"]),
                        name=str(entry.get("summaryOverride") or entry.get("summary") or ""),
                        primary=bool(entry.get("primary", False)),
                        colour=str(entry.get("backgroundColor") or ""),
                        time_zone=str(entry.get("timeZone") or "UTC"),
                        writable=entry.get("accessRole") in _WRITABLE_ROLES,
                    )
                )
            page = answer.get("nextPageToken")
            if not page:
                return calendars

    def changes(
        self,
        calendar_id: str,
        *,
        sync_state: str | None,
        window: SyncWindow,
        page: str | None = None,
    ) -> ChangePage:
        params: dict[str, Any] = {
            "calendarId": calendar_id,
            # Must match between the full sync and every incremental one after it.
            "singleEvents": True,
            "maxResults": PAGE_SIZE,
        }
        if sync_state is not None:
            # Google refuses timeMin/timeMax with a syncToken; the window is applied
            # by the caller to what comes back.
            params["syncToken"] = sync_state
        else:
            params["timeMin"] = _rfc3339(window.start)
            params["timeMax"] = _rfc3339(window.end)
        if page is not None:
            params["pageToken"] = page
        answer = self._execute(self._service.events().list(**params))
        return ChangePage(
            events=[_remote_event(item) for item in answer.get("items", [])],
            next_page=answer.get("nextPageToken"),
            sync_state=answer.get("nextSyncToken"),
        )

    def facts(self, event: RemoteEvent, *, host_zone: str) -> EventFacts | None:
        return event_facts(event.payload, host_zone=host_zone)

    # -- writing --------------------------------------------------------------------

    def create_event(
        self, calendar_id: str, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> RemoteEvent:
        body = dict(event)
        if event_id is not None:
            # A client-chosen id makes a retried insert a 409, never a duplicate.
            body["id"] = event_id
        created = self._execute(
            self._service.events().insert(calendarId=calendar_id, body=body, sendUpdates="none")
        )
        return _remote_event(created)

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        request = self._service.events().update(
            calendarId=calendar_id, eventId=event_id, body=dict(event), sendUpdates="none"
        )
        return _remote_event(self._execute(request, if_match=etag))

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        request = self._service.events().delete(
            calendarId=calendar_id, eventId=event_id, sendUpdates="none"
        )
        self._execute(request, if_match=etag)

    # -- push -----------------------------------------------------------------------

    def watch(
        self,
        calendar_id: str,
        *,
        channel_id: str,
        address: str,
        token: str,
        expires_at: datetime,
    ) -> PushChannel:
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "expiration": str(int(expires_at.timestamp() * 1000)),
        }
        answer = self._execute(self._service.events().watch(calendarId=calendar_id, body=body))
        try:
            expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, tz=UTC)
            return PushChannel(str(answer["id"]), str(answer["resourceId"]), expiration)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"Google's watch answer lacks {exc}") from exc

    def stop_watch(self, channel: PushChannel) -> None:
        body = {"id": channel.channel_id, "resourceId": channel.resource_id}
        self._execute(self._service.channels().stop(body=body))
