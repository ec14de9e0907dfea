"""What a batch of provider changes does to the busy-block store: pure, no I/O.

A full sync's batch is the whole window: every event in it is written, and the
store drops what the batch did not contain (by sync generation). An incremental
batch is a list of changes: deleted events, events that now occupy no time, events
that cannot be read and events that left the window are removed; the rest are
written. Within one batch the last change of an event wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from integrations.calendars.provider import EventFacts, RemoteEvent, SyncWindow

__all__ = ["BlockChange", "Plan", "plan"]


@dataclass(frozen=True, slots=True)
class BlockChange:
    event: RemoteEvent
    facts: EventFacts


@dataclass(frozen=True, slots=True)
class Plan:
    writes: list[BlockChange] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    #: Events a classifier refused (malformed times): dropped, reported in the log.
    unreadable: list[str] = field(default_factory=list)


def plan(
    events: Iterable[RemoteEvent],
    classify: Callable[[RemoteEvent], EventFacts | None],
    window: SyncWindow,
    *,
    full: bool,
) -> Plan:
    latest: dict[str, RemoteEvent] = {}
    for event in events:
        latest.pop(event.remote_id, None)  # re-insert: the order of the last change
        latest[event.remote_id] = event
    result = Plan()
    for remote_id, event in latest.items():
        facts: EventFacts | None = None
        if not event.deleted:
            try:
                facts = classify(event)
            except ValueError:
                result.unreadable.append(remote_id)
        if facts is not None and window.overlaps(facts.start, facts.end):
            result.writes.append(BlockChange(event, facts))
        elif not full:
            result.deletions.append(remote_id)
    return result
