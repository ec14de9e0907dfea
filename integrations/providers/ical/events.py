"""Occurrences as the provider-neutral values the sync engine speaks in."""

from __future__ import annotations

from integrations.calendars.provider import RemoteEvent
from integrations.providers.ical.expand import Occurrence

__all__ = ["occurrence_of", "remote_event"]

_KEY = "ical_occurrence"


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


def occurrence_of(event: RemoteEvent) -> Occurrence:
    occurrence = event.payload.get(_KEY)
    if not isinstance(occurrence, Occurrence):
        raise ValueError(f"event {event.remote_id} carries no iCalendar occurrence")
    return occurrence
