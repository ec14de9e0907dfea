"""Occurrences as the provider-neutral values the sync engine speaks in."""

from __future__ import annotations

import hashlib

from integrations.calendars.provider import RemoteEvent
from integrations.providers.ical.expand import Occurrence, Unreadable

__all__ = ["UNREADABLE_ETAG", "occurrence_of", "remote_event", "unreadable_event"]

_KEY = "ical_occurrence"
_UNREADABLE = "ical_unreadable"
#: Begins the etag of an event that could not be read.
UNREADABLE_ETAG = "unreadable-"


def remote_event(occurrence: Occurrence) -> RemoteEvent:
    """One instance; its etag is a digest of what decides its busy block, so an
    unchanged event is recognisably unchanged from one fetch to the next."""
    series = occurrence.recurrence_id is not None
    return RemoteEvent(
        remote_id=occurrence.remote_id,
        deleted=False,
        etag=occurrence.digest(),
        ical_uid=None if occurrence.fb_type is not None else occurrence.uid,
        recurring_event_id=occurrence.uid if series else None,
        original_start=occurrence.recurrence_id,
        payload={_KEY: occurrence},
    )


def unreadable_event(unreadable: Unreadable) -> RemoteEvent:
    """An event the core could not read, handed on so that the sync engine names it
    among the unreadable ones (:func:`occurrence_of` refuses it) instead of it
    vanishing without a word."""
    return RemoteEvent(
        remote_id=unreadable.uid,
        deleted=False,
        etag=UNREADABLE_ETAG + hashlib.sha256(unreadable.reason.encode()).hexdigest()[:24],
        ical_uid=unreadable.uid,
        payload={_UNREADABLE: unreadable.reason},
    )


def occurrence_of(event: RemoteEvent) -> Occurrence:
    """Raises ``ValueError`` for an unreadable event (the planner's signal)."""
    occurrence = event.payload.get(_KEY)
    if _UNREADABLE in event.payload:
        raise ValueError(f"event {event.remote_id}: {event.payload[_UNREADABLE]}")
    if not isinstance(occurrence, Occurrence):
        raise ValueError(f"event {event.remote_id} carries no iCalendar occurrence")
    return occurrence
