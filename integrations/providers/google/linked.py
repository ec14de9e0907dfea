"""A Google calendar as the host's linked calendar: ``LinkedCalendar`` over
:class:`GoogleCalendarProvider` (see ``integrations/sync/linked.py`` for what every
adapter guarantees, ``sync_events.py`` for how fields map).

Markers (working location, birthdays) are not events of the host's day: they never
reach the engine, so no activity is made of a birthday.

Every listing uses ``singleEvents=true`` (the full one and each incremental one after
it, as Google requires), so a series arrives as its occurrences; writing to an
occurrence's id makes Google keep an exception of that occurrence only.
"""

from __future__ import annotations

from functools import cached_property
from zoneinfo import ZoneInfo

import msgspec

from availability.classify import MARKER_EVENT_TYPES
from integrations.accounts.errors import PreconditionFailed, ProviderError, RemoteNotFound
from integrations.calendars.provider import RemoteEvent, SyncWindow
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.sync_events import (
    event_body,
    event_patch,
    read_item,
    tag_properties,
)
from integrations.sync.items import CalendarItem, EventFields, OurTag
from integrations.sync.linked import LinkFor, Listing

__all__ = ["GoogleLinkedCalendar"]


class GoogleLinkedCalendar:
    provider = "google"

    def __init__(
        self,
        client: GoogleCalendarProvider,
        calendar_id: str,
        *,
        link_for: LinkFor,
        host_zone: str,
        owner_email: str | None = None,
    ) -> None:
        """``host_zone``: the zone whose days an all-day event covers; ``owner_email``:
        the account's address, which identifies the host as organiser where Google
        leaves out ``organizer.self`` (defaults to ``calendar_id``, the primary
        calendar's id being the address)."""
        self.client = client
        self.calendar_id = calendar_id
        self.link_for = link_for
        self.host_zone = host_zone
        self.owner_email = owner_email or calendar_id

    @cached_property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.host_zone)

    def _item(self, event: RemoteEvent) -> CalendarItem:
        return read_item(
            event.payload, zone=self._zone, link_for=self.link_for, owner=self.owner_email
        )

    # -- reading --------------------------------------------------------------------

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        changed: list[CalendarItem] = []
        removed: list[str] = []
        page: str | None = None
        while True:
            answer = self.client.changes(
                self.calendar_id, sync_state=state, window=window, page=page
            )
            for event in answer.events:
                if event.payload.get("eventType") in MARKER_EVENT_TYPES:
                    continue
                if not event.deleted:
                    changed.append(self._item(event))
                elif state is not None:
                    # A full listing reports no removals: what it lacks is gone.
                    removed.append(event.remote_id)
            if answer.next_page is None:
                return Listing(
                    changed=tuple(changed),
                    removed=tuple(removed),
                    state=answer.sync_state,
                    full=state is None,
                )
            page = answer.next_page

    def get(self, remote_id: str) -> CalendarItem | None:
        try:
            event = self.client.get_event(self.calendar_id, remote_id)
        except RemoteNotFound:
            return None
        # Google keeps deleted events readable as "cancelled"; an event moved to
        # another calendar leaves such a copy here.
        if event.deleted or event.payload.get("eventType") in MARKER_EVENT_TYPES:
            return None
        return self._item(event)

    # -- writing --------------------------------------------------------------------

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        # ``fresh`` changes nothing here: Google answers a taken id 409 (handled below).
        del fresh
        body = event_body(fields, tag, zone=self._zone, link=self.link_for(tag.activity_id))
        try:
            created = self.client.create_event(self.calendar_id, body, event_id=remote_id)
        except ProviderError as exc:
            if exc.http_status != 409:
                raise
            # The id is taken: our own create whose answer a crash lost, or an event
            # we deleted (Google never frees an id). Overwrite it with what we meant
            # to create; status confirmed brings a deleted one back.
            try:
                existing = self.client.get_event(self.calendar_id, remote_id)
            except RemoteNotFound:
                raise exc from None
            created = self.client.update_event(
                self.calendar_id, remote_id, body, etag=existing.etag
            )
        return self._item(created)

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        names = set(changed)
        target = tag or current.tag
        # The link back follows the tag. Not over a private event's blanked
        # description: writing it would wipe what the host typed there.
        blanked = current.tag is None and current.fields.private
        if tag is not None and tag != current.tag and "description" not in names and not blanked:
            names.add("description")
            fields = msgspec.structs.replace(fields, description=current.fields.description)
        link = self.link_for(target.activity_id) if target is not None else None
        patch = event_patch(fields, names, zone=self._zone, link=link)
        if tag is not None:
            patch["extendedProperties"] = tag_properties(tag)
        if not patch:
            return current
        written = self.client.patch_event(
            self.calendar_id, current.remote_id, patch, etag=current.etag
        )
        return self._item(written)

    def delete(self, current: CalendarItem) -> None:
        try:
            self.client.delete_event(self.calendar_id, current.remote_id, etag=current.etag)
        except RemoteNotFound:
            return  # already gone (410 deleted, or 404)
        except PreconditionFailed:
            # Deleting an event changes its etag too: gone since we read it is
            # fine; changed and still there is the caller's to decide.
            if self.get(current.remote_id) is not None:
                raise
