"""One fetch of a feed -> the changes since the last one: pure, no I/O.

A feed has no change log, so the change list is a diff: the occurrences of this read
(expanded in the window) against the digests the last read left in the sync state.
New and changed occurrences are changes, vanished ones deletions; applying them to
what the last read produced gives exactly what a full read gives
(tests/integrations/providers/ics/test_changes.py holds that against a brute force).
"""

from __future__ import annotations

import hashlib

from integrations.accounts.errors import ProviderError, SyncStateExpired
from integrations.calendars.provider import ChangePage, RemoteEvent, SyncWindow
from integrations.net.fetch import Fetched
from integrations.providers.ical.events import UNREADABLE_ETAG, remote_event, unreadable_event
from integrations.providers.ical.expand import expand
from integrations.providers.ical.parse import DEFAULT_MAX_BYTES, parse_calendar
from integrations.providers.ics.state import FeedState, source_hash

__all__ = ["read_changes"]


def read_changes(
    previous: FeedState | None,
    fetched: Fetched,
    window: SyncWindow,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ChangePage:
    """Every occurrence (``previous`` is ``None``: a full sync), or the changes since
    ``previous``. Raises :class:`SyncStateExpired` when the feed now comes from
    another address, and :class:`~integrations.accounts.errors.BadResponse` for a body
    that is no calendar."""
    source = source_hash(fetched.url)
    if previous is not None and previous.source != source:
        # The address now leads elsewhere (the publisher moved the feed): the
        # digests describe another resource, so start over.
        raise SyncStateExpired("the feed now redirects to another address")
    if fetched.not_modified:
        if previous is None:
            raise ProviderError("the feed answered 304 to a request without validators")
        return ChangePage(events=[], next_page=None, sync_state=previous.encode())
    body_hash = hashlib.sha256(fetched.body).hexdigest()
    if previous is not None and previous.body_hash == body_hash:
        unchanged = FeedState(
            source, body_hash, fetched.etag, fetched.last_modified, previous.digests
        )
        return ChangePage(events=[], next_page=None, sync_state=unchanged.encode())
    expansion = expand(parse_calendar(fetched.body, max_bytes=max_bytes).calendar, window)
    current = {o.remote_id: remote_event(o) for o in expansion.occurrences}
    # Events the core could not read go on as unreadable ones: the engine names them
    # on the calendar and stores nothing for them; the feed's other events count.
    for unreadable in expansion.unreadable:
        current.setdefault(unreadable.uid, unreadable_event(unreadable))
    digests = {remote_id: event.etag or "" for remote_id, event in current.items()}
    if previous is None:
        events = list(current.values())
    else:
        # Unreadable events every time: the engine reports them after each sync with
        # changes, so the host's note stays true.
        events = [
            event
            for remote_id, event in current.items()
            if previous.digests.get(remote_id) != digests[remote_id]
            or digests[remote_id].startswith(UNREADABLE_ETAG)
        ]
        events += [
            RemoteEvent(remote_id=remote_id, deleted=True)
            for remote_id in previous.digests
            if remote_id not in current
        ]
    state = FeedState(source, body_hash, fetched.etag, fetched.last_modified, digests)
    return ChangePage(events=events, next_page=None, sync_state=state.encode())
