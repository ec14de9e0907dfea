"""Typed records of the sync tables, as integrations/sync/repository.py returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from integrations.sync.policy import Operation, Side, SyncMode

__all__ = [
    "GuestPolicy",
    "Notify",
    "PlanEntry",
    "RunError",
    "RunRecord",
    "RunStatus",
    "SettingsRecord",
    "Trigger",
]

GuestPolicy = Literal["create", "match"]
Notify = Literal["failures", "summary", "none"]
Trigger = Literal["manual", "auto", "push", "cli", "api"]
RunStatus = Literal["running", "done", "failed", "stopped", "skipped"]


class SettingsRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``sync_settings`` (defaults when the account has none yet)."""

    account_id: int
    host_id: int
    #: The linked calendar (``calendar.id``); None: the account's primary calendar.
    calendar_id: int | None = None
    mode: SyncMode = "off"
    meeting_type: int | None = None
    appointment_type: int | None = None
    push_types: list[int] | None = None
    only_linked: bool = False
    days_back: int = 30
    days_ahead: int = 365
    earliest: datetime | None = None
    #: "side:operation" pairs, e.g. "calendar:delete".
    barred: list[str] = msgspec.field(default_factory=list)
    guests: GuestPolicy = "create"
    keep_calendar_body: bool = False
    winner: Side = "calendar"
    auto: bool = True
    every_minutes: int = 15
    active_from: str | None = None
    active_until: str | None = None
    notify: Notify = "failures"
    excluded_activities: list[int] = msgspec.field(default_factory=list)
    excluded_events: list[str] = msgspec.field(default_factory=list)
    refused: list[str] = msgspec.field(default_factory=list)
    listing_state: str | None = None
    listing_calendar: int | None = None
    attention_notified_at: datetime | None = None


class PlanEntry(msgspec.Struct, kw_only=True, frozen=True):
    """One line of a plan as the host reviews it (and a dry run's log holds it)."""

    side: Side
    operation: Operation
    title: str
    start: datetime
    end: datetime
    activity_id: int | None
    remote_id: str
    #: "" for planned writes; "barred", "excluded" or "refused" for skipped ones.
    skipped: str = ""


class RunError(msgspec.Struct, kw_only=True, frozen=True):
    message: str
    code: str = ""
    remote_id: str = ""
    activity_id: int | None = None


class RunRecord(msgspec.Struct, kw_only=True, frozen=True):
    id: int
    account_id: int
    host_id: int
    trigger: str
    mode: str
    dry_run: bool
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, dict[str, int]]
    skipped: int
    plan: list[PlanEntry]
    conflicts: list[dict[str, object]]
    errors: list[RunError]
    stop_reason: str
    progress_done: int
    progress_total: int
