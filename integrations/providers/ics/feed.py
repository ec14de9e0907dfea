"""The ICS feed adapter: :class:`~integrations.calendars.provider.CalendarProvider` for
one feed URL, read-only, with one calendar.

Every sync fetches the feed with the validators of the last one: a 304 (or the same
bytes again) is an idle round with no change at all. A changed feed is parsed and
expanded inside the window, and compared with the digests of the last read
(:mod:`.state`): new and changed occurrences come back as changes, vanished ones as
deletions. Without a state (a full sync) every occurrence comes back.

A feed that cannot be fetched or read raises a provider error and changes nothing:
the sync engine keeps the last good busy blocks and shows the error on the calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from integrations.accounts.errors import ProviderError, RemoteNotFound
from integrations.calendars.provider import (
    ChangePage,
    EventFacts,
    PushChannel,
    RemoteCalendar,
    RemoteEvent,
    SyncWindow,
)
from integrations.net.errors import FetchError
from integrations.net.fetch import Fetched, Fetcher
from integrations.net.urls import parse_url, webcal_to_https
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.events import (
    occurrence_of,
)
from integrations.providers.ical.parse import ParsedCalendar, parse_calendar
from integrations.providers.ics.changes import read_changes
from integrations.providers.ics.errors import translate
from integrations.providers.ics.state import FeedState, source_hash

__all__ = ["IcsFeedProvider", "feed_calendar_id"]

_ACCEPT: Final = "text/calendar, application/calendar+xml;q=0.5, */*;q=0.1"
_READ_ONLY: Final = "ICS feeds are read-only: nothing can be written to them"


def feed_calendar_id(url: str) -> str:
    """The feed's one calendar, named without revealing its (secret) address."""
    return "ics-" + source_hash(webcal_to_https(url))[:20]


class IcsFeedProvider:
    name = "ics"

    def __init__(self, url: str, fetcher: Fetcher, *, name: str = "") -> None:
        """Raises :class:`~integrations.net.errors.InvalidUrl` for an address that is
        not http(s) (``webcal://`` is https)."""
        self.url = webcal_to_https(url)
        #: Where the feed lives, without the secret path: what the host is shown.
        self.host = parse_url(self.url).host
        self.calendar_id = feed_calendar_id(url)
        self._fetcher = fetcher
        self._name = name

    # -- reading --------------------------------------------------------------------

    def _fetch(self, state: FeedState | None = None) -> Fetched:
        try:
            return self._fetcher.get(
                self.url,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                accept=_ACCEPT,
            )
        except FetchError as exc:
            raise translate(exc) from None

    def _parse(self, fetched: Fetched) -> ParsedCalendar:
        return parse_calendar(fetched.body, max_bytes=self._fetcher.limits.max_bytes)

    def list_calendars(self) -> list[RemoteCalendar]:
        parsed = self._parse(self._fetch())
        return [
            RemoteCalendar(
                remote_id=self.calendar_id,
                name=self._name or parsed.name or "Calendar feed",
                primary=True,
                colour="",
                time_zone=parsed.time_zone or "UTC",
                writable=False,
            )
        ]

    def changes(
        self,
        calendar_id: str,
        *,
        sync_state: str | None,
        window: SyncWindow,
        page: str | None = None,
    ) -> ChangePage:
        if calendar_id != self.calendar_id:
            raise RemoteNotFound(f"this feed has no calendar {calendar_id!r}")
        previous = FeedState.decode(sync_state) if sync_state is not None else None
        fetched = self._fetch(previous)
        return read_changes(previous, fetched, window, max_bytes=self._fetcher.limits.max_bytes)

    def facts(self, event: RemoteEvent, *, host_zone: str) -> EventFacts | None:
        return event_facts(occurrence_of(event), host_zone=host_zone)

    # -- writing: never -----------------------------------------------------------------

    def create_event(
        self, calendar_id: str, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> RemoteEvent:
        raise ProviderError(_READ_ONLY)

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        raise ProviderError(_READ_ONLY)

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        raise ProviderError(_READ_ONLY)

    # -- push: none; feeds are polled ------------------------------------------------

    def watch(
        self,
        calendar_id: str,
        *,
        channel_id: str,
        address: str,
        token: str,
        expires_at: datetime,
    ) -> PushChannel:
        raise ProviderError("ICS feeds send no change notifications; they are polled")

    def stop_watch(self, channel: PushChannel) -> None:
        return None
