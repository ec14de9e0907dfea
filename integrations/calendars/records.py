"""Typed records of calendars, busy blocks and push channels, as the repository
returns them, and the typed change a calendar row takes."""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "BlockRecord",
    "BusyBlockRecord",
    "CalendarChange",
    "CalendarRecord",
    "ChannelRecord",
    "CheckedCalendar",
]


class CalendarRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``calendar`` with its account's provider, host and status."""

    id: int
    account_id: int = msgspec.field(name="account")
    remote_id: str
    name: str
    primary: bool
    is_conflict: bool
    tentative_blocks: bool
    colour: str
    #: The provider's saved sync state; None: the next sync is full.
    sync_token: str | None
    full_sync_window_start: datetime | None
    full_sync_window_end: datetime | None
    sync_generation: int
    last_synced_at: datetime | None
    blocks_version: int
    last_error: str
    provider: str
    host_id: int
    account_status: str


class CalendarChange(msgspec.Struct, kw_only=True, frozen=True):
    """The columns of a calendar row to change; UNSET ones stay as they are."""

    name: str | UnsetType = UNSET
    primary: bool | UnsetType = UNSET
    is_conflict: bool | UnsetType = UNSET
    tentative_blocks: bool | UnsetType = UNSET
    colour: str | UnsetType = UNSET
    sync_token: str | UnsetType | None = UNSET
    full_sync_window_start: datetime | UnsetType | None = UNSET
    full_sync_window_end: datetime | UnsetType | None = UNSET
    sync_generation: int | UnsetType = UNSET
    last_synced_at: datetime | UnsetType | None = UNSET
    last_error: str | UnsetType = UNSET


class CheckedCalendar(msgspec.Struct, kw_only=True, frozen=True):
    """A conflict calendar an event type checks, with what its block cache is keyed by."""

    id: int
    name: str
    remote_id: str
    tentative_blocks: bool
    blocks_version: int
    last_synced_at: datetime | None
    provider: str


class BusyBlockRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A busy block as availability reads it."""

    start_at: datetime
    end_at: datetime
    tentative: bool
    private: bool
    #: None for private events, whose details are never stored.
    title: str | None


class BlockRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``busy_block``: an external event, busy or free."""

    id: int
    calendar_id: int = msgspec.field(name="calendar")
    remote_id: str
    ical_uid: str | None
    etag: str | None
    start_at: datetime
    end_at: datetime
    all_day: bool
    busy: bool
    tentative: bool
    private: bool
    title: str | None
    recurring_event_id: str | None
    original_start: str | None
    sync_generation: int


class ChannelRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A row of ``push_channel``: a watch on a calendar at its provider."""

    id: int
    calendar_id: int = msgspec.field(name="calendar")
    channel_id: str
    resource_id: str
    #: Compared in constant time with the token a notification carries.
    token: str
    expires_at: datetime
