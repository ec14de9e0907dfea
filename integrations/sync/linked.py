"""The linked calendar as the sync engine sees it: events as ``CalendarItem``s.

One adapter per provider that can be a linked calendar (Google, Microsoft, CalDAV;
ICS stays conflict-only). Each wraps that provider's client and translates between
``EventFields`` + ``OurTag`` and the provider's own event format; the engine
(``integrations/sync/engine.py``) never sees a provider payload.

Adapters are synchronous, like the clients they wrap: the engine runs every call in
a worker thread. Every failure is one of ``integrations.accounts.errors``; a write
the provider refuses for good (the host does not organise the event, a read-only
calendar) is ``WriteRefused``.

What every adapter guarantees (tests/integrations/sync/linked/ holds the contract
suite all three pass):

- **Our tag** rides privately on each event we write (Google: a private extended
  property; Graph: a single-value extended property; iCalendar: an ``X-`` property),
  and is read back into ``CalendarItem.tag``. A user never sees it.
- **The link back**: what we write into the description ends with a line linking
  to the activity's page (``link_for(activity_id)``); reading strips that line
  again, so ``fields.description`` is what the host typed, on both sides.
- **Private events** the host did not push (no tag of ours) come back with
  ``fields.private`` true and title "Busy", and with no description, location or
  guests: their details are never stored.
- **Nobody is e-mailed** by a write: Google ``sendUpdates=none``; on Graph, attendees
  are never written (any organiser write to a meeting mails its attendees, and Graph
  has no switch against it), so the guests we write ride in a private extended
  property; CalDAV ``SCHEDULE-AGENT=CLIENT`` on attendees.
- **Recurring events** come as one item per occurrence inside the window, with
  ``series_id`` and ``original_start``; an update of one occurrence makes (or
  changes) an exception of that occurrence only.
- ``create`` uses the client-chosen id (``remote_id_for``) where the provider lets
  the client choose (Google ``id``, the iCalendar UID) and Graph's
  ``transactionId`` where it does not; a create that finds the id taken (a retry
  after a crash, a Google id whose event was deleted) overwrites and revives that
  event instead of failing or making a second one. The returned item's
  ``remote_id`` is the one to store (Graph's own id). ``fresh`` says the engine
  recorded the id before this call and never before it (``integrations/sync/
  transactions.py``): no event holds it, so the write's answer is the new event.
  Graph, whose answer to a held transactionId is the older event, needs to know
  (it then reads nothing back); Google and CalDAV learn a taken id from the
  provider (409, 412) and ignore it. ``fresh`` false is always safe.
- ``update`` writes only ``changed`` (Google and Graph PATCH; CalDAV builds the
  whole resource from the current one and changes only those properties) with the
  item's etag as precondition (``PreconditionFailed`` when the event moved on).
- Every write returns the event **as the provider now holds it**, read back if the
  write's answer does not carry it, so the status row records that side's truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import msgspec

from integrations.calendars.provider import SyncWindow
from integrations.sync.items import CalendarItem, EventFields, OurTag

__all__ = ["LinkFor", "LinkedCalendar", "Listing"]

#: ``link_for(activity_id)`` -> the absolute URL of the activity's page.
LinkFor = Callable[[int], str]


class Listing(msgspec.Struct, frozen=True, kw_only=True):
    """What changed on the calendar since ``state`` (everything, when ``full``)."""

    #: New or changed events (occurrences of series included), private ones too.
    changed: tuple[CalendarItem, ...] = ()
    #: Remote ids deleted, cancelled or moved to another calendar since ``state``.
    #: (A full listing reports none: what it does not list is gone from the window.)
    removed: tuple[str, ...] = ()
    #: Hand back to the next ``changes`` call; None when the provider has no
    #: incremental sync (the next listing is full again).
    state: str | None = None
    #: Every event of the window is in ``changed``.
    full: bool = False


class LinkedCalendar(Protocol):
    """One calendar of one connected account, as the host's linked calendar."""

    #: "google", "microsoft", "caldav".
    provider: str

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        """Every page of changes since ``state`` (None: a full listing of ``window``).
        Raises ``SyncStateExpired`` when the provider no longer accepts ``state``."""
        ...

    def get(self, remote_id: str) -> CalendarItem | None:
        """The event by id wherever it now starts (outside the window too); None when
        it is deleted, cancelled or no longer in this calendar."""
        ...

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        """A new event with our tag and the link back, e-mailing nobody (see above
        for an id that is already taken, and for ``fresh``: ``remote_id`` was never
        sent before)."""
        ...

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        """Write ``changed`` of ``fields`` to ``current`` (an occurrence: that one only).
        ``tag``, when given, is set too (re-pointing an event at a new activity)."""
        ...

    def delete(self, current: CalendarItem) -> None:
        """Delete the event (an occurrence: cancel that one only); an event already
        gone is no error."""
        ...
