"""The Microsoft 365 / Outlook adapter: :class:`~integrations.calendars.provider.CalendarProvider`
over Microsoft Graph (plain ``requests``), for one connected account.

Sync: ``/me/calendars/{id}/calendarView/delta`` bounded by the sync window. Graph
expands series into occurrences and exceptions there (no series masters), and the
``@odata.nextLink`` / ``@odata.deltaLink`` it answers already carry the window and
their state: they are followed verbatim, never rebuilt. A deleted or cancelled
occurrence comes back as ``{"id", "@removed"}``. An expired delta (410,
``syncStateNotFound``, ``resyncRequired``) is :class:`SyncStateExpired`; the sync
engine then runs a full sync that replaces the calendar's blocks in one generation
swap (integrations/calendars/sync.py), without duplicates or gaps.

Every request asks for times in UTC (``Prefer: outlook.timezone="UTC"``): the
busy classifier then never meets Windows zone names.

Tokens: the adapter starts from the account's stored :class:`OAuthTokens` and
refreshes ``refresh_margin`` before they expire, and once after a 401, always
through ``refresher`` (msal's ``acquire_token_silent`` under the account's
cross-process lock, which stores the new cache before it returns).

Not thread-safe: one instance per sync job, used by one thread at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from availability import classify_microsoft_event
from integrations.accounts.errors import BadResponse, ProviderError
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
from integrations.providers.microsoft.oauth import MicrosoftApp
from integrations.providers.microsoft.responses import graph_error, json_of, transport_error

__all__ = ["DEFAULT_REFRESH_MARGIN", "MicrosoftCalendarProvider", "event_facts"]

DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
#: Items per delta page: fewest round trips for a full sync.
PAGE_SIZE = 1000
#: Graph keeps an event subscription at most 4230 minutes; ask a little less so
#: that clock skew never makes Graph refuse the create.
SUBSCRIPTION_LIFETIME = timedelta(minutes=4200)
PREFER = f'outlook.timezone="UTC", odata.maxpagesize={PAGE_SIZE}'
_HIDDEN = frozenset({"private", "confidential"})


def graph_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_stamp(text: object, what: str) -> datetime:
    if not isinstance(text, str):
        raise BadResponse(f"Microsoft Graph's {what} is missing")
    raw = text.strip().replace("Z", "+00:00")
    head, dot, rest = raw.partition(".")
    if dot:
        # Graph sends seven fractional digits; datetime reads at most six.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        raw = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadResponse(f"Microsoft Graph's {what} is unreadable: {text!r}") from exc
    return value.replace(tzinfo=value.tzinfo or UTC).astimezone(UTC)


def _remote_event(item: Mapping[str, Any]) -> RemoteEvent:
    original = item.get("originalStart")
    return RemoteEvent(
        remote_id=str(item["id"]),
        deleted="@removed" in item,
        etag=item.get("@odata.etag") or item.get("changeKey"),
        ical_uid=item.get("iCalUId"),
        recurring_event_id=item.get("seriesMasterId"),
        original_start=str(original) if original else None,
        payload=item,
    )


def event_facts(event: Mapping[str, Any], *, host_zone: str) -> EventFacts | None:
    """What to store of a Graph event, classified by availability's rules.

    Classified with tentative events counted, so the calendar's switch applies when
    reading; a free event is classified again as busy only to learn the time it
    would occupy (a host's one-way view shows it)."""
    sensitivity = event.get("sensitivity")
    private = isinstance(sensitivity, str) and sensitivity.lower() in _HIDDEN
    all_day = event.get("isAllDay") is True
    block = classify_microsoft_event(event, host_zone=host_zone, tentative_blocks=True)
    if block is not None:
        return EventFacts(
            block.start, block.end, all_day, True, block.tentative, private, block.title
        )
    occupied = {**event, "showAs": "busy", "isCancelled": False}
    span = classify_microsoft_event(occupied, host_zone=host_zone)
    if span is None:
        return None
    return EventFacts(span.start, span.end, all_day, False, False, private, span.title)


def graph_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """A Graph event body. Graph's own fields pass through; the provider-neutral
    ones the sync engine and the contract suite write (``summary``,
    ``description``, ``start``/``end`` as ``{"dateTime": <with offset>}`` or
    ``{"date"}``, ``transparency``) become Graph's."""
    body = {k: v for k, v in event.items() if k not in ("summary", "description", "transparency")}
    if "summary" in event:
        body.setdefault("subject", event["summary"])
    if "description" in event:
        body.setdefault("body", {"contentType": "text", "content": event["description"]})
    if "transparency" in event:
        body.setdefault("showAs", "free" if event["transparency"] == "transparent" else "busy")
    for side in ("start", "end"):
        value = event.get(side)
        if not isinstance(value, Mapping) or "timeZone" in value:
            continue
        if "date" in value:
            body[side] = {"dateTime": f"{value['date']}T00:00:00", "timeZone": "UTC"}
            body["isAllDay"] = True
        elif "dateTime" in value:
            moment = datetime.fromisoformat(str(value["dateTime"]))
            if moment.tzinfo is None:
                raise ValueError(f"{side}.dateTime needs a UTC offset or a timeZone")
            wall = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
            body[side] = {"dateTime": wall, "timeZone": "UTC"}
    return body


class MicrosoftCalendarProvider(HeldTokens):
    name = "microsoft"

    def __init__(
        self,
        app: MicrosoftApp,
        tokens: OAuthTokens,
        *,
        refresher: Callable[[OAuthTokens], OAuthTokens] | None = None,
        refresh_margin: timedelta = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        """``refresher`` turns a stale grant into a fresh one that is already stored
        (``integrations.accounts.refresh``); without one (tests, the consent itself)
        the app refreshes directly."""
        super().__init__(tokens, refresher or app.refresh, refresh_margin)
        self.app = app
        self._session = app.session()

    # -- plumbing -------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.app.graph_url.rstrip("/") + path

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        if_match: str | None = None,
    ) -> requests.Response:
        if self.expiring(self.app.now()):
            self.refresh(self.tokens)
        headers = {"Prefer": PREFER}
        if if_match is not None:
            headers["If-Match"] = if_match
        for attempt in (1, 2):
            headers["Authorization"] = "Bearer " + self.tokens.access_token
            try:
                response = self._session.request(
                    method, url, params=params, json=body, headers=headers
                )
            except requests.RequestException as exc:
                raise transport_error(exc) from exc
            if response.status_code == 401 and attempt == 1:
                # Graph refused the token (revoked sessions, a key rollover): one
                # refresh and one retry, as the Google client library does.
                self.refresh(self.tokens)
                continue
            if response.status_code >= 400:
                raise graph_error(response, self.app.now())
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        return json_of(self._request("GET", url, params=params))

    # -- reading --------------------------------------------------------------------

    def list_calendars(self) -> list[RemoteCalendar]:
        calendars: list[RemoteCalendar] = []
        url: str | None = self._url("/me/calendars")
        params: dict[str, str] | None = {"$top": "100"}
        while url:
            answer = self._get(url, params)
            for entry in _items(answer):
                if "id" not in entry:
                    continue
                calendars.append(
                    RemoteCalendar(
                        remote_id=str(entry["id"]),
                        name=str(entry.get("name") or ""),
                        primary=entry.get("isDefaultCalendar") is True,
                        colour=str(entry.get("hexColor") or ""),
                        # Graph calendars carry no zone of their own; times are
                        # asked for in UTC.
                        time_zone="UTC",
                        writable=entry.get("canEdit") is True,
                    )
                )
            url, params = _link(answer, "@odata.nextLink"), None
        return calendars

    def changes(
        self,
        calendar_id: str,
        *,
        sync_state: str | None,
        window: SyncWindow,
        page: str | None = None,
    ) -> ChangePage:
        params: dict[str, str] | None = None
        if page is not None:
            url = page
        elif sync_state is not None:
            url = sync_state
        else:
            url = self._url(f"/me/calendars/{quote(calendar_id, safe='')}/calendarView/delta")
            params = {
                "startDateTime": graph_stamp(window.start),
                "endDateTime": graph_stamp(window.end),
            }
        answer = self._get(url, params)
        next_link = _link(answer, "@odata.nextLink")
        delta_link = _link(answer, "@odata.deltaLink")
        if next_link is None and delta_link is None:
            raise BadResponse("Microsoft Graph ended a delta page without a next or delta link")
        return ChangePage(
            events=[_remote_event(item) for item in _items(answer) if "id" in item],
            next_page=next_link,
            sync_state=None if next_link else delta_link,
        )

    def event(
        self, calendar_id: str, event_id: str, *, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """One event (an occurrence's id: that occurrence) as Graph holds it;
        :class:`RemoteNotFound` when it is gone or in another calendar."""
        return self._get(self._event_url(calendar_id, event_id), params)

    def events(
        self, calendar_id: str, *, params: Mapping[str, str] | None = None
    ) -> list[Mapping[str, Any]]:
        """Every page of ``/events`` (single events and series masters) matching
        ``params`` (``$filter``, ``$expand``...)."""
        found: list[Mapping[str, Any]] = []
        url: str | None = self._url(f"/me/calendars/{quote(calendar_id, safe='')}/events")
        # The page size asked for with $top too: Graph documents odata.maxpagesize for
        # delta, and lists of events answered without $top come 10 to a page.
        query: Mapping[str, str] | None = {"$top": str(PAGE_SIZE), **(params or {})}
        while url:
            answer = self._get(url, query)
            found += _items(answer)
            url, query = _link(answer, "@odata.nextLink"), None
        return found

    def facts(self, event: RemoteEvent, *, host_zone: str) -> EventFacts | None:
        return event_facts(event.payload, host_zone=host_zone)

    # -- writing --------------------------------------------------------------------

    def _event_url(self, calendar_id: str, event_id: str) -> str:
        calendar, event = quote(calendar_id, safe=""), quote(event_id, safe="")
        return self._url(f"/me/calendars/{calendar}/events/{event}")

    def create_event(
        self, calendar_id: str, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> RemoteEvent:
        body = graph_body(event)
        if event_id is not None:
            # Graph chooses ids itself; transactionId is how it recognises a
            # retried create instead of making a second event.
            body["transactionId"] = event_id
        url = self._url(f"/me/calendars/{quote(calendar_id, safe='')}/events")
        return _remote_event(json_of(self._request("POST", url, body=body)))

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        url = self._event_url(calendar_id, event_id)
        answer = self._request("PATCH", url, body=graph_body(event), if_match=etag)
        return _remote_event(json_of(answer))

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        self._request("DELETE", self._event_url(calendar_id, event_id), if_match=etag)

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
        """A Graph subscription to the calendar's events. Graph names subscriptions
        itself: ``channel_id`` rides in the notification URL (``?channel=``) so that
        the webhook finds the channel, and Graph's id becomes ``resource_id``.
        ``token`` is the ``clientState`` every notification must carry back. Graph
        POSTs a validation request to ``address`` before it answers."""
        separator = "&" if "?" in address else "?"
        url = f"{address}{separator}channel={quote(channel_id, safe='')}"
        body = {
            "changeType": "created,updated,deleted",
            "notificationUrl": url,
            # Graph says there when it removed the subscription, needs it
            # reauthorized, or dropped notifications ("missed").
            "lifecycleNotificationUrl": url,
            "resource": f"/me/calendars/{calendar_id}/events",
            "expirationDateTime": graph_stamp(
                min(expires_at, self.app.now() + SUBSCRIPTION_LIFETIME)
            ),
            "clientState": token,
        }
        answer = json_of(self._request("POST", self._url("/subscriptions"), body=body))
        try:
            subscription_id = str(answer["id"])
        except KeyError as exc:
            raise ProviderError("Microsoft Graph's subscription answer lacks its id") from exc
        expiry = _parse_stamp(answer.get("expirationDateTime"), "expirationDateTime")
        return PushChannel(channel_id, subscription_id, expiry)

    def renew_watch(self, channel: PushChannel, *, expires_at: datetime) -> PushChannel:
        """Extend the subscription (PATCH ``expirationDateTime``), as Graph asks; a
        subscription Graph already dropped is :class:`RemoteNotFound`."""
        url = self._url(f"/subscriptions/{quote(channel.resource_id, safe='')}")
        body = {
            "expirationDateTime": graph_stamp(
                min(expires_at, self.app.now() + SUBSCRIPTION_LIFETIME)
            )
        }
        answer = json_of(self._request("PATCH", url, body=body))
        expiry = _parse_stamp(answer.get("expirationDateTime"), "expirationDateTime")
        return PushChannel(channel.channel_id, channel.resource_id, expiry)

    def stop_watch(self, channel: PushChannel) -> None:
        url = self._url(f"/subscriptions/{quote(channel.resource_id, safe='')}")
        self._request("DELETE", url)


def _link(answer: Mapping[str, Any], key: str) -> str | None:
    """A next or delta link: followed verbatim later, so it must be a URL now (a
    stored junk state would fail every later sync, not this one)."""
    value = answer.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise BadResponse(f"Microsoft Graph's {key} is not a URL: {value!r}")
    return value


def _items(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = answer.get("value")
    if not isinstance(value, list):
        raise BadResponse("Microsoft Graph's answer has no value list")
    return [item for item in value if isinstance(item, Mapping)]
