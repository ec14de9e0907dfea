"""API shapes of sync settings, plans and runs (``/calendar-accounts/{id}``,
``/calendar-accounts/{id}/sync``, ``/sync-runs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from booking.ids import Id
from integrations.sync.policy import Side, SyncMode
from integrations.sync.records import GuestPolicy, Notify, PlanEntry, RunError

__all__ = [
    "BARRABLE",
    "SyncPlan",
    "SyncRequest",
    "SyncRun",
    "SyncSettings",
    "SyncSettingsUpdate",
]

#: "side:operation" values of ``barred``.
BARRABLE = (
    "crm:create",
    "crm:update",
    "crm:delete",
    "calendar:create",
    "calendar:update",
    "calendar:delete",
)
Barred = Literal[
    "crm:create",
    "crm:update",
    "crm:delete",
    "calendar:create",
    "calendar:update",
    "calendar:delete",
]
ClockTime = Annotated[
    str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["08:00"])
]


class SyncSettings(msgspec.Struct, kw_only=True):
    """An account's sync with its linked calendar."""

    account_id: int
    #: The linked calendar (``/calendars`` ids); the account's primary one by default.
    calendar_id: int | None
    #: off; one_way (your calendar's events show as busy time, your activities are
    #: sent out, invitees do not become contacts); two_way (events also come in as
    #: activities and their invitees as contacts).
    mode: SyncMode
    #: Save external events as this activity type: with other participants...
    meeting_type_id: int
    #: ...and without.
    appointment_type_id: int
    #: Activity types sent to the calendar; null: all.
    push_type_ids: list[int] | None
    #: Send only activities linked to a contact or a booking.
    only_linked: bool
    days_back: int
    days_ahead: int
    #: Nothing before this moment is synced (default: when the account was first
    #: connected); set it earlier to widen the sync.
    earliest: datetime
    barred: list[str]
    #: Guests of imported events: create missing contacts, or only match existing ones.
    guests: GuestPolicy
    keep_calendar_body: bool
    #: Who wins when both sides changed the same field since the last run.
    winner: Side
    auto: bool
    every_minutes: int
    active_from: str | None
    active_until: str | None
    notify: Notify
    excluded_activity_ids: list[int]
    excluded_event_ids: list[str]
    #: The account can write events (one-way and two-way need it).
    can_write: bool


class SyncSettingsUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    calendar_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    mode: SyncMode | msgspec.UnsetType = msgspec.UNSET
    meeting_type_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    appointment_type_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    push_type_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    only_linked: bool | msgspec.UnsetType = msgspec.UNSET
    days_back: Annotated[int, msgspec.Meta(ge=0, le=3650)] | msgspec.UnsetType = msgspec.UNSET
    days_ahead: Annotated[int, msgspec.Meta(ge=1, le=3650)] | msgspec.UnsetType = msgspec.UNSET
    earliest: datetime | msgspec.UnsetType | None = msgspec.UNSET
    barred: Annotated[list[Barred], msgspec.Meta(max_length=6)] | msgspec.UnsetType = msgspec.UNSET
    guests: GuestPolicy | msgspec.UnsetType = msgspec.UNSET
    keep_calendar_body: bool | msgspec.UnsetType = msgspec.UNSET
    winner: Side | msgspec.UnsetType = msgspec.UNSET
    auto: bool | msgspec.UnsetType = msgspec.UNSET
    every_minutes: Annotated[int, msgspec.Meta(ge=5, le=1440)] | msgspec.UnsetType = msgspec.UNSET
    active_from: ClockTime | msgspec.UnsetType | None = msgspec.UNSET
    active_until: ClockTime | msgspec.UnsetType | None = msgspec.UNSET
    notify: Notify | msgspec.UnsetType = msgspec.UNSET
    excluded_activity_ids: (
        Annotated[list[Id], msgspec.Meta(max_length=10000)] | msgspec.UnsetType
    ) = msgspec.UNSET
    excluded_event_ids: (
        Annotated[
            list[Annotated[str, msgspec.Meta(max_length=1024)]], msgspec.Meta(max_length=10000)
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class SyncRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Optional body of ``POST /calendar-accounts/{id}/sync``: the host's review of a
    plan. Unticked items stay out of every run until ticked again."""

    exclude_activity_ids: Annotated[list[Id], msgspec.Meta(max_length=10000)] = []
    exclude_event_ids: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=1024)]], msgspec.Meta(max_length=10000)
    ] = []
    include_activity_ids: Annotated[list[Id], msgspec.Meta(max_length=10000)] = []
    include_event_ids: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=1024)]], msgspec.Meta(max_length=10000)
    ] = []
    #: Go on although the run stopped to ask (it would delete everything on one side,
    #: or one side came back empty).
    confirm: bool = False


class SyncRun(msgspec.Struct, kw_only=True):
    id: int
    account_id: int
    #: manual, auto, push, cli or api.
    trigger: str
    mode: str
    dry_run: bool
    #: running, done, failed, stopped (asks the host: see stop_reason), skipped (off).
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    #: Per side ("crm", "calendar") and operation: writes done (planned, for a dry run).
    counts: dict[str, dict[str, int]]
    skipped: int
    #: A dry run's (or a stopped run's) plan; for other runs, the skipped writes.
    plan: list[PlanEntry]
    #: Fields both sides changed, with both values and who won.
    conflicts: list[dict[str, object]]
    errors: list[RunError]
    #: would_delete_all or side_empty, when the run stopped to ask.
    stop_reason: str
    progress_done: int
    progress_total: int


SyncPlan = SyncRun
