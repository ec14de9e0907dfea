"""The Microsoft 365 calendar as the host's linked calendar
(:class:`~integrations.sync.linked.LinkedCalendar` over Microsoft Graph).

What Graph does, and how the guarantees of ``integrations/sync/linked.py`` are kept:

- **Listing**: ``calendarView/delta`` over the window (occurrences and exceptions, never
  series masters), its deltaLink the sync state. Delta answers no extended
  properties (``$expand`` is refused there), so one more request,
  ``/events?$filter=<has our tag>&$expand=<our properties>``, names the events that
  carry our tag; an occurrence or exception takes its series master's. A cancelled
  meeting (``isCancelled``) counts as removed, like ``@removed``.
- **Nobody is e-mailed**: Graph has no ``sendUpdates=none``. When the organizer's write
  touches a meeting with attendees, Exchange sends requests, updates or cancellations
  (``responseRequested`` false only spares the answers). So we never write
  ``attendees``: the guests we write ride in a private extended property and read
  back merged with the real attendees (``sync_events``). A meeting with real
  attendees that the host organises still mails them when we change it: Graph gives
  no way round that.
- **create** sends ``transactionId`` = the client-chosen id: Graph answers a retried POST
  with the event the first one made (unchanged: we then PATCH it to what we wanted).
  Once that event is deleted the id makes a new one; the returned ``remote_id`` is
  Graph's own id.
- **Refusals**: 403 ``ErrorAccessDenied`` on a write (a calendar shared read-only, or
  someone else's meeting: ``isOrganizer`` false) is :class:`WriteRefused` when our
  grant does include write access; without it, :class:`InsufficientScope` stays.
- **An update is not read back**: a PATCH answers the whole event as Graph now holds
  it, except our extended properties (an answer carries none). Those the PATCH named
  we just wrote; the others are as we read them (the PATCH carries that read's etag).
  So the answer plus those properties is the item, with no GET.
- **A create is read back only when its id was sent before**: a POST whose
  transactionId an older event holds answers that event, maybe in another calendar
  and with the properties an earlier write left, and nothing in the answer tells it
  from one just made; so that create reads back (``$expand`` of our properties) and,
  when the event left this calendar, tries the next id. The engine records every id
  before it sends it (``integrations/sync/transactions.py``) and says ``fresh`` when
  the id was never recorded before: no event can hold it, the answer is the event
  just made, and the answer plus the properties the POST wrote is the item (one
  request). A crash after the recording, a lost answer or a retry finds the id spent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from integrations.accounts.errors import (
    InsufficientScope,
    RemoteNotFound,
    WriteRefused,
)
from integrations.calendars.provider import SyncWindow
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.oauth import WRITE_SCOPES
from integrations.providers.microsoft.sync_events import (
    EXPAND,
    GUESTS_PROPERTY,
    HAS_TAG,
    TAG_PROPERTY,
    calendar_item,
    event_body,
    guests_value,
    parse_tag,
    tag_value,
)
from integrations.sync.items import (
    FIELD_NAMES,
    CalendarItem,
    EventFields,
    OurTag,
    field_hashes,
)
from integrations.sync.linked import LinkFor, Listing

__all__ = ["MicrosoftLinkedCalendar"]

_EXPAND = {"$expand": EXPAND}
#: transactionIds a create tries before it gives up (see ``create``).
_TRANSACTIONS = 4


class MicrosoftLinkedCalendar:
    """One calendar of a connected Microsoft account; not thread-safe (one per run)."""

    provider = "microsoft"

    def __init__(
        self, client: MicrosoftCalendarProvider, calendar_id: str, *, link_for: LinkFor
    ) -> None:
        self.client = client
        self.calendar_id = calendar_id
        self.link_for = link_for

    # -- reading --------------------------------------------------------------------

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        events: list[Mapping[str, Any]] = []
        removed: list[str] = []
        page: str | None = None
        while True:
            answer = self.client.changes(
                self.calendar_id, sync_state=state, window=window, page=page
            )
            for event in answer.events:
                if not (event.deleted or event.payload.get("isCancelled") is True):
                    events.append(event.payload)
                elif state is not None:
                    # A full listing names no removals: what it lacks is gone.
                    removed.append(event.remote_id)
            if answer.next_page is None:
                new_state = answer.sync_state
                break
            page = answer.next_page
        ours = self._our_properties() if events else {}
        return Listing(
            changed=tuple(calendar_item(_with_properties(event, ours)) for event in events),
            removed=tuple(removed),
            state=new_state,
            full=state is None,
        )

    def _our_properties(self) -> dict[str, list[Mapping[str, Any]]]:
        """Our properties (tag, guests) of every event of the calendar that carries our
        tag, by id: one request a page, since delta pages carry no extended
        properties."""
        found: dict[str, list[Mapping[str, Any]]] = {}
        for event in self.client.events(
            self.calendar_id, params={"$filter": HAS_TAG, "$expand": EXPAND, "$select": "id"}
        ):
            properties = event.get("singleValueExtendedProperties")
            if isinstance(properties, list) and "id" in event:
                found[str(event["id"])] = properties
        return found

    def get(self, remote_id: str) -> CalendarItem | None:
        try:
            event: Mapping[str, Any] = self.client.event(
                self.calendar_id, remote_id, params=_EXPAND
            )
        except RemoteNotFound:
            return None
        if event.get("isCancelled") is True:
            return None
        master = event.get("seriesMasterId")
        if calendar_tag(event) is None and isinstance(master, str) and master:
            # An occurrence of a series we tagged: the master holds our properties.
            event = _with_properties(event, self._series_properties(master))
        return calendar_item(event)

    def _series_properties(self, master_id: str) -> dict[str, list[Mapping[str, Any]]]:
        try:
            master = self.client.event(self.calendar_id, master_id, params=_EXPAND)
        except RemoteNotFound:
            return {}
        properties = master.get("singleValueExtendedProperties")
        return {master_id: properties} if isinstance(properties, list) else {}

    # -- writing --------------------------------------------------------------------

    def _link(self, tag: OurTag | None) -> str | None:
        return self.link_for(tag.activity_id) if tag is not None else None

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        body = event_body(fields, FIELD_NAMES, link=self._link(tag), tag=tag)
        if fresh:
            # Never sent before (the engine recorded it first): no event holds it, so
            # the answer is the event this POST made, with the properties it wrote.
            with self._refusals():
                made = self.client.create_event(self.calendar_id, body, event_id=remote_id)
            return _as_written(made.payload, body["singleValueExtendedProperties"])
        item = None
        for attempt in range(_TRANSACTIONS):
            # Graph answers a transactionId with the live event that holds it anywhere
            # in the mailbox. One the host moved to another calendar is not ours to
            # answer with: that id is spent, the next one (as deterministic, so a
            # retry after a crash still finds its event) makes the event here.
            transaction = remote_id if attempt == 0 else f"{remote_id}-{attempt}"
            with self._refusals():
                made = self.client.create_event(self.calendar_id, body, event_id=transaction)
            # Not the answer: with a transactionId held already, Graph answers that
            # older event, maybe from another calendar and with whatever properties
            # it carries, and nothing in the answer tells it from the one just made.
            item = self.get(made.remote_id)
            if item is not None:
                break
        if item is None:
            raise RemoteNotFound(f"Microsoft Graph lost event {remote_id} right after writing it")
        if item.tag == tag and field_hashes(item.fields) == field_hashes(fields):
            return item
        # Graph answered the event an earlier try made (transactionId), as it is now:
        # overwrite it with what this create wants.
        return self.update(item, fields, FIELD_NAMES, tag)

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        _refuse_mailing(current)
        names = changed
        if tag is not None and tag != current.tag and "description" not in names:
            # The link back names the activity: re-pointed, it is written again.
            names = (*names, "description")
        body = event_body(fields, names, link=self._link(tag or current.tag), tag=tag)
        if not body:
            return current
        with self._refusals():
            answer = self.client.update_event(
                self.calendar_id, current.remote_id, body, etag=current.etag
            )
        # What the PATCH did not name is as we read it (the etag held it so).
        kept = {GUESTS_PROPERTY: guests_value(current.fields.guests)}
        if current.tag is not None:
            kept[TAG_PROPERTY] = tag_value(current.tag)
        sent = {p["id"]: p["value"] for p in body.get("singleValueExtendedProperties", [])}
        properties = [{"id": k, "value": v} for k, v in {**kept, **sent}.items()]
        return _as_written(answer.payload, properties)

    def delete(self, current: CalendarItem) -> None:
        _refuse_mailing(current)
        try:
            with self._refusals():
                # No etag: a delete wins over an edit made meanwhile (the planner
                # decided on what it read; an event it deletes is ours to delete).
                self.client.delete_event(self.calendar_id, current.remote_id, etag=None)
        except RemoteNotFound:
            return

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Graph's 403 on a write is :class:`WriteRefused` when the grant may write:
        the calendar or the event refuses, for good. Without write access it stays
        :class:`InsufficientScope` (consent fixes that)."""
        try:
            yield
        except InsufficientScope as exc:
            if not _may_write(self.client.tokens.scope):
                raise
            raise WriteRefused(str(exc), http_status=exc.http_status, reason=exc.reason) from exc


def _refuse_mailing(current: CalendarItem) -> None:
    """Sync writes never e-mail guests (issue 13), and Graph mails a meeting's attendees
    about any change or deletion its organiser makes: such a meeting is changed in
    Outlook, by the host, and the run records the refusal once."""
    if current.notifies_guests:
        raise WriteRefused(
            f"“{current.fields.title}” has attendees whom Outlook would e-mail about this "
            "change; change it in Outlook.",
            reason="would-notify-attendees",
        )


def calendar_tag(event: Mapping[str, Any]) -> OurTag | None:
    """Our tag as an event answered with ``$expand`` carries it."""
    for entry in event.get("singleValueExtendedProperties") or ():
        if isinstance(entry, Mapping) and str(entry.get("id", "")).lower() == TAG_PROPERTY.lower():
            return parse_tag(entry.get("value"))
    return None


def _with_properties(
    event: Mapping[str, Any], ours: Mapping[str, list[Mapping[str, Any]]]
) -> Mapping[str, Any]:
    """The event with our properties as its own or its series master's are known."""
    if calendar_tag(event) is not None:
        return event
    properties = ours.get(str(event.get("id"))) or ours.get(str(event.get("seriesMasterId")))
    return {**event, "singleValueExtendedProperties": properties} if properties else event


def _as_written(event: Mapping[str, Any], properties: Sequence[Mapping[str, Any]]) -> CalendarItem:
    """A write's answer as the item, with the extended properties it now holds."""
    return calendar_item({**event, "singleValueExtendedProperties": properties})


def _may_write(scope: str) -> bool:
    granted = [s.lower() for s in scope.split()]
    # msal reports Graph scopes with or without their resource prefix.
    return not granted or any(g.endswith(w.lower()) for g in granted for w in WRITE_SCOPES)
