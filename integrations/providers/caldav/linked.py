"""A CalDAV calendar as the host's linked calendar (``integrations/sync/linked.py``).

The unit CalDAV stores and versions is the resource: one ``.ics`` file holding an
event, or a whole series with its exceptions, under one etag. So every item's etag
is its resource's etag, a write reads the whole resource, changes only what it must
in the right VEVENT (:mod:`integrations.providers.ical.sync_events`) and puts it back
with ``If-Match``, and deleting one occurrence is a write of its series (an EXDATE).

Resources are named ``<UID>.ics`` when we create them. Other apps name theirs as
they like, so a UID not found under that name is looked up by a calendar-query.

The sync state is :class:`DavState`: the server's sync token and, per resource
(href), its etag and the ids of the occurrences it last listed. A deleted resource
is reported as exactly those ids; a changed one as what it lists now, and the ids it
no longer lists as removed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import icalendar

from integrations.accounts.errors import (
    BadResponse,
    PreconditionFailed,
    ProviderError,
    RemoteNotFound,
    WriteRefused,
)
from integrations.calendars.provider import SyncWindow
from integrations.providers.caldav.client import CalDavProvider, StoredResource
from integrations.providers.caldav.state import DavState, Resource
from integrations.providers.ical.parse import parse_calendar
from integrations.providers.ical.sync_events import Codec, split_id
from integrations.sync.items import CalendarItem, EventFields, OurTag
from integrations.sync.linked import LinkFor, Listing

__all__ = ["CalDavLinkedCalendar"]

log = logging.getLogger(__name__)


def _holds(text: str, uid: str) -> bool:
    """Whether the iCalendar ``text`` holds an event of ``uid`` (lines unfolded)."""
    unfolded = text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
    return f"\nUID:{uid}\n" in f"\n{unfolded}\n"


def _occurrences(known: Mapping[str, Resource], href: str) -> tuple[str, ...]:
    """The ids a deleted resource held. One the state does not know was written after
    its listing (the state is taken before a run writes): by us, since the events we
    create are ``<UID>.ics``, and never a series. Its id is that UID. (One an app
    made and deleted between two listings was never known: the id its name gives
    matches nothing, and its removal changes nothing.)"""
    if href in known:
        return known[href].occurrences
    name = unquote(href.rstrip("/").rsplit("/", 1)[-1])
    return (name.removesuffix(".ics"),) if name.endswith(".ics") else ()


def _text(calendar: icalendar.Calendar) -> str:
    text: str = calendar.to_ical().decode("utf-8")
    return text


class CalDavLinkedCalendar:
    """One calendar (``calendar_id``, its URL) of one CalDAV account."""

    provider = "caldav"

    def __init__(
        self,
        client: CalDavProvider,
        calendar_id: str,
        *,
        account_email: str,
        link_for: LinkFor,
        time_zone: str = "UTC",
    ) -> None:
        """``account_email``: the account's own address (the organiser of the host's
        events); ``time_zone``: where floating times are read."""
        self._client = client
        self._calendar_id = calendar_id
        self._codec = Codec(account_email, link_for, ZoneInfo(time_zone))
        self._limit = client.max_bytes
        #: UID -> href of resources seen named otherwise than ``<UID>.ics``.
        self._hrefs: dict[str, str] = {}

    # -- resources -----------------------------------------------------------------------

    def _url(self, href: str) -> str:
        return self._client.resource_url(self._calendar_id, quote(href))

    def _own_url(self, uid: str) -> str:
        return self._client.resource_url(self._calendar_id, quote(uid, safe="") + ".ics")

    def _locate(self, uid: str) -> StoredResource | None:
        known = self._hrefs.get(uid)
        if known is not None:
            found = self._client.read_resource(self._url(known))
            if found is not None and _holds(found.text, uid):
                return found
        found = self._client.read_resource(self._own_url(uid))
        if found is not None:
            return found
        found = self._client.find_resource(self._calendar_id, uid)
        if found is not None:
            self._hrefs[uid] = found.href
        return found

    def _parse(self, resource: StoredResource) -> icalendar.Calendar:
        return parse_calendar(resource.text.encode("utf-8"), max_bytes=self._limit).calendar

    def _stored(self, url: str, text: str, etag: str | None, remote_id: str) -> CalendarItem:
        """The item as the server now holds it: what we wrote, when it answered an etag
        (RFC 4791 5.3.4: it stored our text unchanged), else read back."""
        if etag is None:
            found = self._client.read_resource(url)
            if found is None:
                raise RemoteNotFound(f"the event {remote_id} vanished right after it was written")
            text, etag = found.text, found.etag
        calendar = parse_calendar(text.encode("utf-8"), max_bytes=self._limit).calendar
        item = self._codec.item(calendar, etag, remote_id)
        if item is None:
            raise BadResponse(f"the CalDAV server {self._client.server} lost event {remote_id}")
        return item

    # -- reading -------------------------------------------------------------------------

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        previous = DavState.decode(state) if state is not None else None
        new, changed, deleted = self._client.resource_changes(self._calendar_id, previous)
        old = previous.resources if previous is not None else {}
        resources = {h: r for h, r in old.items() if h not in deleted}
        items: list[CalendarItem] = []
        removed: dict[str, None] = {}
        for href in deleted:
            removed.update(dict.fromkeys(_occurrences(old, href)))
        loaded: set[str] = set()
        for resource in self._client.load_resources(self._calendar_id, changed):
            loaded.add(resource.href)
            try:
                calendar = self._parse(resource)
                listed = self._codec.items(calendar, resource.etag, window)
                ids = {i.remote_id for i in listed}
                for remote_id in old[resource.href].occurrences if resource.href in old else ():
                    if remote_id in ids:
                        continue
                    # Moved out of the window is no deletion: it is reported as it
                    # now is; only what the resource no longer holds is removed.
                    moved = self._codec.item(calendar, resource.etag, remote_id)
                    if moved is None:
                        removed[remote_id] = None
                    else:
                        listed.append(moved)
            except BadResponse as exc:  # UnreadableResource included
                # Its events stay as last listed (a later fix of the file lists them).
                log.warning("unreadable CalDAV resource %s: %s", resource.href, exc)
                continue
            for item in listed:
                uid = item.series_id or item.remote_id
                if not resource.href.endswith("/" + uid + ".ics"):
                    self._hrefs[uid] = resource.href
            items += listed
            resources[resource.href] = Resource(resource.etag, tuple(i.remote_id for i in listed))
        for href in changed.keys() - loaded:
            # Listed as changed, gone before we read it: deleted meanwhile.
            removed.update(dict.fromkeys(_occurrences(resources, href)))
            resources.pop(href, None)
        final = DavState(new.mode, new.token, new.ctag, resources).encode()
        if previous is None:
            return Listing(changed=tuple(items), state=final, full=True)
        listed_now = {i.remote_id for i in items}
        return Listing(
            changed=tuple(items),
            removed=tuple(i for i in removed if i not in listed_now),
            state=final,
        )

    def get(self, remote_id: str) -> CalendarItem | None:
        uid, _ = split_id(remote_id)
        resource = self._locate(uid)
        if resource is None:
            return None
        return self._codec.item(self._parse(resource), resource.etag, remote_id)

    # -- writing -------------------------------------------------------------------------

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        # ``fresh`` changes nothing here: a taken UID answers 412 (handled below).
        del fresh
        url = self._own_url(remote_id)
        text = _text(self._codec.new_calendar(remote_id, fields, tag))
        try:
            etag = self._client.put_resource(url, text, etag=None)
        except PreconditionFailed:
            # Taken: our own earlier try (a crash before its answer was stored).
            # Overwrite that version with what we mean now.
            existing = self._client.read_resource(url)
            etag = self._client.put_resource(
                url, text, etag=existing.etag if existing is not None else None
            )
        except ProviderError as exc:
            # RFC 4791 5.3.2.1: 403 CALDAV:no-uid-conflict (409 from Radicale) when
            # another resource of the calendar holds the UID (an app saved our event
            # under its own name): that one is ours to overwrite. Otherwise the
            # calendar is read-only, and stays refused.
            if not isinstance(exc, WriteRefused) and exc.http_status != 409:
                raise
            elsewhere = self._client.find_resource(self._calendar_id, remote_id)
            if elsewhere is None:
                raise
            url = self._url(elsewhere.href)
            etag = self._client.put_resource(url, text, etag=elsewhere.etag)
        return self._stored(url, text, etag, remote_id)

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        if not current.host_is_organiser:
            # RFC 6638 3.2.2: only the organiser changes an event; an attendee's copy
            # follows the organiser's next update.
            raise WriteRefused(
                f"the event {current.remote_id} is organised by someone else; "
                "only they can change it"
            )
        uid, _ = split_id(current.remote_id)
        resource = self._locate(uid)
        if resource is None:
            raise RemoteNotFound(f"the event {current.remote_id} is gone from the calendar")
        calendar = self._parse(resource)
        if not self._codec.update(
            calendar, current.remote_id, fields, changed, tag, occurrence=current.fields
        ):
            raise RemoteNotFound(f"the event {current.remote_id} is gone from the calendar")
        url = self._url(resource.href)
        text = _text(calendar)
        etag = self._client.put_resource(url, text, etag=current.etag or resource.etag)
        return self._stored(url, text, etag, current.remote_id)

    def delete(self, current: CalendarItem) -> None:
        uid, stamp = split_id(current.remote_id)
        resource = self._locate(uid)
        if resource is None:
            return
        url = self._url(resource.href)
        if stamp is None:
            self._client.delete_resource(url, etag=current.etag or resource.etag)
            return
        calendar = self._parse(resource)
        if self._codec.cancel(calendar, current.remote_id):
            self._client.put_resource(url, _text(calendar), etag=current.etag or resource.etag)
        else:
            self._client.delete_resource(url, etag=current.etag or resource.etag)
