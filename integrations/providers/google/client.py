"""The Google Calendar adapter: :class:`~integrations.calendars.provider.CalendarProvider`
over googleapiclient, for one connected account.

Tokens: the adapter starts from the account's stored :class:`OAuthTokens` and
refreshes the access token ``refresh_margin`` before it expires, and after a 401
(google-auth's retry), always through ``refresher``: the shared OAuth client under
the account's cross-process lock, which stores the new pair before it returns. The
Google client library holds only an access token and never refreshes by itself.
Every request carries a socket timeout (httplib2 has none by default, and a hung
Google would hang the sync).

Not thread-safe (httplib2 connections are not): one instance per sync job, used by one
thread at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import google.auth.credentials
import google_auth_httplib2
import httplib2
from googleapiclient.discovery import build

from availability.classify import Busyness, google_busyness, google_event_span
from integrations.accounts.errors import ProviderError
from integrations.accounts.held import HeldTokens
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars.provider import (
    ChangePage,
    EventFacts,
    PushChannel,
    RemoteCalendar,
    RemoteEvent,
    SyncWindow,
)
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
    """What to store of a Google event, classified by availability's rule.

    Free events are kept too (one-way sync shows them), with ``busy`` false;
    tentative ones are kept busy and flagged, so the calendar's switch can be
    applied when reading. ``None`` for an event that covers no time.
    """
    span = google_event_span(event, host_zone=host_zone)
    if span is None:
        return None
    busyness = google_busyness(event)
    private = event.get("visibility") in _HIDDEN
    all_day = isinstance(event.get("start"), Mapping) and "date" in event["start"]
    summary = event.get("summary")
    title = None if private or not isinstance(summary, str) else summary
    return EventFacts(
        span[0],
        span[1],
        all_day,
        busyness is not Busyness.FREE,
        busyness is Busyness.TENTATIVE,
        private,
        title,
    )


class _NoCredentials:
    """The shared resources' own http, never used: every request is executed with its
    account's authorised http. Should one not be, it fails here rather than being sent
    unauthenticated or, worse, as another account."""

    def request(self, *args: object, **kwargs: object) -> Any:
        raise RuntimeError("a Google request was sent without its account's credentials")


@functools.cache
def _resources(api_endpoint: str) -> tuple[Any, Any]:
    """The Calendar API's resource and its ``events`` resource, built once per process
    and endpoint, shared by every account's client.

    Building them from the discovery document (a method object per API method, each
    with its docstring rendered) took longer than a whole idle sync round's listing
    request: 8-15 ms on every run of every account. They hold no account state:
    requests are built from them and executed with the account's own http
    (``HttpRequest.execute(http=...)``), so sharing them across threads is safe."""
    service = build(
        "calendar",
        "v3",
        http=_NoCredentials(),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": api_endpoint},
    )
    # ``service.events()`` makes a new resource from the discovery document each call,
    # which cost more than the request itself on loopback (1.3 ms of a 2.1 ms create).
    return service, service.events()


class _RefreshedByUs(google.auth.credentials.Credentials):
    """An access token for googleapiclient that google-auth cannot refresh itself.

    google-auth refreshes when the token is about to expire and after a 401; both go
    through :meth:`refresh`, which hands over to the adapter's refresher (our OAuth
    client, under the account's lock), never to google-auth's own token request."""

    def __init__(self, provider: GoogleCalendarProvider) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._provider = provider
        self._show(provider.tokens)

    def _show(self, tokens: OAuthTokens) -> None:
        self.token = tokens.access_token
        # google-auth compares naive UTC.
        self.expiry = tokens.expires_at.astimezone(UTC).replace(tzinfo=None)

    def refresh(self, request: object) -> None:
        self._show(self._provider.refresh(self._provider.tokens))


class GoogleCalendarProvider(HeldTokens):
    name = "google"

    def __init__(
        self,
        app: GoogleApp,
        tokens: OAuthTokens,
        *,
        refresher: Callable[[OAuthTokens], OAuthTokens] | None = None,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        """``refresher`` turns a stale pair into a fresh one that is already stored
        (``integrations.accounts.refresh``); without one (tests, the consent itself)
        the app refreshes directly."""
        super().__init__(tokens, refresher or app.refresh, refresh_margin)
        self.app = app
        self._credentials = _RefreshedByUs(self)
        self._http = google_auth_httplib2.AuthorizedHttp(
            self._credentials, http=httplib2.Http(timeout=app.timeout)
        )
        self._service, self._events = _resources(app.endpoints.api_endpoint)

    # -- plumbing -------------------------------------------------------------------

    def _execute(self, request: Any, *, if_match: str | None = None) -> Any:
        if self.expiring(self.app.now()):
            self._credentials.refresh(None)
        if if_match is not None:
            request.headers["If-Match"] = if_match
        try:
            # The account's own authorised http: the resources are shared (_resources).
            return request.execute(http=self._http, num_retries=0)
        except FAILURES as exc:
            raise translate(exc, self.app.now()) from exc

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
            # No ``eventTypes``: unset, Google returns every type, and the classifier
            # decides (markers are free). A list of wanted types would silently drop
            # any type Google adds later, opaque ones included: double bookings.
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
        answer = self._execute(self._events.list(**params))
        return ChangePage(
            events=[_remote_event(item) for item in answer.get("items", [])],
            next_page=answer.get("nextPageToken"),
            sync_state=answer.get("nextSyncToken"),
        )

    def get_event(self, calendar_id: str, event_id: str) -> RemoteEvent:
        """One event (or instance) by id; a deleted one comes back ``deleted``, as Google
        keeps it readable with status "cancelled". ``RemoteNotFound`` for an unknown id."""
        request = self._events.get(calendarId=calendar_id, eventId=event_id)
        return _remote_event(self._execute(request))

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
            self._events.insert(calendarId=calendar_id, body=body, sendUpdates="none")
        )
        return _remote_event(created)

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        request = self._events.update(
            calendarId=calendar_id, eventId=event_id, body=dict(event), sendUpdates="none"
        )
        return _remote_event(self._execute(request, if_match=etag))

    def patch_event(
        self, calendar_id: str, event_id: str, patch: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        """Change only the fields in ``patch`` (objects merge, null clears); an instance
        id changes that occurrence only."""
        request = self._events.patch(
            calendarId=calendar_id, eventId=event_id, body=dict(patch), sendUpdates="none"
        )
        return _remote_event(self._execute(request, if_match=etag))

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        request = self._events.delete(calendarId=calendar_id, eventId=event_id, sendUpdates="none")
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
        answer = self._execute(self._events.watch(calendarId=calendar_id, body=body))
        try:
            expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, tz=UTC)
            return PushChannel(str(answer["id"]), str(answer["resourceId"]), expiration)
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"Google's watch answer lacks {exc}") from exc

    def stop_watch(self, channel: PushChannel) -> None:
        body = {"id": channel.channel_id, "resourceId": channel.resource_id}
        self._execute(self._service.channels().stop(body=body))
