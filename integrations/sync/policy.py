"""A host's sync settings as the planner reads them, and the window they define."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import msgspec

__all__ = ["Operation", "Policy", "Scope", "Side", "SyncMode"]

SyncMode = Literal["off", "one_way", "two_way"]
Side = Literal["crm", "calendar"]
Operation = Literal["create", "update", "delete"]


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    host_id: int
    mode: SyncMode
    #: Before this moment nothing is touched (default: when the account was first connected).
    earliest: datetime
    days_back: int = 30
    days_ahead: int = 365
    barred: frozenset[tuple[Side, Operation]] = frozenset()
    #: Activity types pushed to the calendar; None: all.
    push_types: frozenset[int] | None = None
    #: Push only activities linked to a contact or a booking.
    only_linked: bool = False
    #: A CRM edit never overwrites the description of an event that came from the calendar.
    keep_calendar_body: bool = False
    #: Who wins when both sides changed the same field.
    winner: Side = "calendar"
    #: Save external events as: with other participants / without.
    meeting_type_id: int
    appointment_type_id: int
    #: Items the host unticked in a previous plan: they stay out until included again.
    excluded_activities: frozenset[int] = frozenset()
    excluded_events: frozenset[str] = frozenset()
    #: Events whose writes the provider refused for good (a read-only calendar, an
    #: event the host does not organise): skipped with reason "refused".
    refused: frozenset[str] = frozenset()
    #: A run that would delete or finds missing at least this many linked items, all of
    #: one side's, stops and asks; below it, deleting one's only event is ordinary.
    ask_threshold: int = 3
    #: The host answered "yes, go on" to a stop-and-ask.
    confirmed: bool = False
    #: Namespace of the client-chosen remote ids (ids.remote_id_for).
    id_namespace: str = "rendezvous"


class Scope(msgspec.Struct, frozen=True):
    """Starts in ``[start, end)`` are touched; nothing else is."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, policy: Policy, now: datetime) -> Scope:
        start = max(now - timedelta(days=policy.days_back), policy.earliest)
        return cls(start, now + timedelta(days=policy.days_ahead))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
