"""What a plan holds: writes on each side, skipped writes, conflicts, bookkeeping, a verdict.

Every write names its side and operation, which is what the barred operations, the
dry-run table and the run log count by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from integrations.sync.items import EventFields
from integrations.sync.policy import Operation, Side

__all__ = [
    "Action",
    "Bookkeeping",
    "Conflict",
    "CreateActivity",
    "CreateEvent",
    "DeleteEvent",
    "Forget",
    "Link",
    "Plan",
    "RestoreActivity",
    "Settle",
    "Skipped",
    "Stop",
    "TrashActivity",
    "UpdateActivity",
    "UpdateEvent",
]


class _Write(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    activity_id: int | None
    remote_id: str
    series_id: str | None = None

    side: Side
    operation: Operation


class CreateEvent(_Write, frozen=True, kw_only=True):
    """Create the activity's event with a client-chosen id, carrying our tag."""

    activity_id: int
    fields: EventFields
    #: The row of an earlier pair this one replaces (an event deleted while its
    #: activity was edited: the edit wins, the event comes back under a new id).
    replaces: str | None = None
    side: Side = "calendar"
    operation: Operation = "create"


class UpdateEvent(_Write, frozen=True, kw_only=True):
    """Write ``changed`` of ``fields`` to the event (or to this one occurrence only)."""

    activity_id: int
    etag: str | None
    fields: EventFields
    changed: tuple[str, ...]
    side: Side = "calendar"
    operation: Operation = "update"


class DeleteEvent(_Write, frozen=True, kw_only=True):
    etag: str | None
    side: Side = "calendar"
    operation: Operation = "delete"


class CreateActivity(_Write, frozen=True, kw_only=True):
    activity_id: None = None
    fields: EventFields
    type_id: int
    original_start: datetime | None = None
    #: The event carries our tag for an activity that is gone (it was pushed, the
    #: activity was deleted, the event came back or was edited): the executor points
    #: the tag at the new activity (a tag-only write that e-mails nobody).
    retag: bool = False
    #: The activity of the row this pair replaces (its activity was deleted): the
    #: executor swaps the rows in the transaction that creates the activity.
    replaces: int | None = None
    side: Side = "crm"
    operation: Operation = "create"


class UpdateActivity(_Write, frozen=True, kw_only=True):
    activity_id: int
    fields: EventFields
    changed: tuple[str, ...]
    side: Side = "crm"
    operation: Operation = "update"


class TrashActivity(_Write, frozen=True, kw_only=True):
    """The event left the linked calendar: the activity goes to the trash, the row stays."""

    activity_id: int
    side: Side = "crm"
    operation: Operation = "delete"


class RestoreActivity(_Write, frozen=True, kw_only=True):
    """The event came back: restore the trashed activity with the event's values."""

    activity_id: int
    fields: EventFields
    side: Side = "crm"
    operation: Operation = "create"


Action = (
    CreateEvent
    | UpdateEvent
    | DeleteEvent
    | CreateActivity
    | UpdateActivity
    | TrashActivity
    | RestoreActivity
)


class Link(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Adopt an event our earlier, interrupted run created (found by its id or our tag)."""

    activity_id: int
    remote_id: str


class Settle(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Record ``fields`` as agreed without a write (both sides changed them alike, or
    the calendar keeps its body)."""

    activity_id: int
    remote_id: str
    fields: tuple[str, ...]


class Forget(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    """Drop the row: both items are gone."""

    activity_id: int
    remote_id: str


Bookkeeping = Link | Settle | Forget


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    action: Action
    reason: Literal["barred", "excluded", "refused"]


class Conflict(msgspec.Struct, frozen=True, kw_only=True):
    """Both sides changed ``field`` (``None``: one side deleted what the other edited)."""

    activity_id: int
    remote_id: str
    field: str | None
    crm_value: object
    calendar_value: object
    winner: Side


class Stop(msgspec.Struct, frozen=True, kw_only=True):
    """The run must not go on without the host's word."""

    reason: Literal["would_delete_all", "side_empty"]
    side: Side
    count: int


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    actions: tuple[Action, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    bookkeeping: tuple[Bookkeeping, ...] = ()
    stop: Stop | None = None

    def by_series(self) -> dict[str, list[Action]]:
        """Actions on occurrences of recurring events, grouped by their series."""
        groups: dict[str, list[Action]] = {}
        for action in self.actions:
            if action.series_id is not None:
                groups.setdefault(action.series_id, []).append(action)
        return groups

    def counts(self) -> dict[tuple[Side, Operation], int]:
        result: dict[tuple[Side, Operation], int] = {}
        for action in self.actions:
            key = (action.side, action.operation)
            result[key] = result.get(key, 0) + 1
        return result
