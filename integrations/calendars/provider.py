"""The calendar-provider interface every adapter implements (Google now; Microsoft,
CalDAV and ICS later), and the provider-neutral values it speaks in.

Adapters are synchronous (the provider client libraries are): the sync engine runs
every call in a worker thread. Every failure is one of :mod:`.errors`; an adapter
never lets a library exception escape. tests/integrations/contract/ holds the suite
each adapter must pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "POLLED_ONLY",
    "CalendarProvider",
    "ChangePage",
    "EventFacts",
    "PushChannel",
    "RemoteCalendar",
    "RemoteEvent",
    "RenewsWatch",
    "SyncWindow",
]


#: Providers without change notifications: their calendars are polled, never watched.
POLLED_ONLY = frozenset({"ics", "caldav"})


@dataclass(frozen=True, slots=True)
class RemoteCalendar:
    remote_id: str
    name: str
    primary: bool
    colour: str
    time_zone: str
    #: The provider allows us to write events into it.
    writable: bool


@dataclass(frozen=True, slots=True)
class SyncWindow:
    """``[start, end)``: only events overlapping it are fetched and stored."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@dataclass(frozen=True, slots=True)
class RemoteEvent:
    """One event (one instance, for recurring events) as the provider returned it.

    ``deleted`` events carry only their identity. ``payload`` is the provider's
    own JSON, handed to :meth:`CalendarProvider.facts`.
    """

    remote_id: str
    deleted: bool
    etag: str | None = None
    ical_uid: str | None = None
    recurring_event_id: str | None = None
    original_start: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of changes. ``sync_state`` comes only with the last page, and only
    the last page has no ``next_page``."""

    events: list[RemoteEvent]
    next_page: str | None
    sync_state: str | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the busy-block store keeps of an event: enough to decide busy or free
    again when the calendar's "tentative blocks" switch changes, and no more.

    ``busy`` is the classification with tentative events counted as busy;
    ``tentative`` says the event blocks only while the switch is on. ``title`` is
    ``None`` for private and confidential events.
    """

    start: datetime
    end: datetime
    all_day: bool
    busy: bool
    tentative: bool
    private: bool
    title: str | None


@dataclass(frozen=True, slots=True)
class PushChannel:
    channel_id: str
    resource_id: str
    expires_at: datetime


class CalendarProvider(Protocol):
    """One connected account at one provider."""

    #: "google", "microsoft", "caldav", "ics": the prefix of busy-block sources.
    name: str

    def list_calendars(self) -> list[RemoteCalendar]: ...

    def changes(
        self,
        calendar_id: str,
        *,
        sync_state: str | None,
        window: SyncWindow,
        page: str | None = None,
    ) -> ChangePage:
        """Without ``sync_state``: every event of the window (a full sync, where
        recurring events come expanded into instances). With it: what changed since,
        deletions included. Raises :class:`.errors.SyncStateExpired` when the provider
        no longer accepts ``sync_state``."""
        ...

    def facts(self, event: RemoteEvent, *, host_zone: str) -> EventFacts | None:
        """Classify a non-deleted event (DESIGN.md's busy/free table); ``None`` when it
        occupies no time at all."""
        ...

    def create_event(
        self, calendar_id: str, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> RemoteEvent: ...

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        """Replace the event; with ``etag``, only if it still has that etag
        (:class:`.errors.PreconditionFailed` otherwise)."""
        ...

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None: ...

    def watch(
        self,
        calendar_id: str,
        *,
        channel_id: str,
        address: str,
        token: str,
        expires_at: datetime,
    ) -> PushChannel: ...

    def stop_watch(self, channel: PushChannel) -> None: ...


@runtime_checkable
class RenewsWatch(Protocol):
    """An adapter whose push channels can be extended in place (Graph subscriptions,
    by PATCH), rather than replaced by a new one (Google's channels)."""

    def renew_watch(self, channel: PushChannel, *, expires_at: datetime) -> PushChannel:
        """The same channel living until about ``expires_at`` (the provider may cap
        it); :class:`.errors.RemoteNotFound` when the provider dropped it."""
        ...
