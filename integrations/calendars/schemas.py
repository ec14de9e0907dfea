"""API shapes of calendar accounts, calendars and the calendars an event type checks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from booking.ids import Id

AccountStatus = Literal["ok", "reconnect_needed", "error"]
Provider = Literal["google", "microsoft", "caldav", "ics"]
#: More than any host links; keeps one request's work bounded.
MAX_CALENDARS = 500
Colour = Annotated[str, msgspec.Meta(pattern=r"^(#[0-9a-fA-F]{6})?$", examples=["#9fe1e7"])]


class CalendarAccount(msgspec.Struct, kw_only=True):
    id: int
    provider: str
    #: The account's e-mail address at the provider.
    email: str
    #: ok; reconnect_needed (access revoked or expired: connect again); error (see
    #: status_message).
    status: AccountStatus
    status_message: str
    #: The first time the host connected this account, kept across reconnects.
    connected_at: datetime
    #: What the account granted us (Google's scope URLs).
    scopes: list[str]
    #: Events can be written: one-way and two-way sync need it. Connecting asks only
    #: to read; ``POST /calendar-accounts/{id}/write-access`` asks for more.
    can_write: bool


class CalendarAccountConnect(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    provider: Provider
    #: ICS: the feed's address (https://, http:// or webcal://). Kept encrypted: a
    #: feed's address is all it takes to read it.
    url: Annotated[str, msgspec.Meta(max_length=2048)] | None = None
    #: ICS: what to call the calendar (default: the feed's own name).
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    #: CalDAV: the user name at the server (``url`` is the server's CalDAV address).
    username: Annotated[str, msgspec.Meta(max_length=320)] = ""
    #: CalDAV: an app password; kept encrypted, never shown again.
    password: Annotated[str, msgspec.Meta(max_length=1024)] = ""


class Calendar(msgspec.Struct, kw_only=True):
    id: int
    account_id: int
    provider: str
    remote_id: str
    name: str
    primary: bool
    #: Its busy events block the host's availability.
    is_conflict: bool
    #: Tentative events (and invitations not answered yet) block too.
    tentative_blocks: bool
    colour: str
    #: Last successful sync (null: never).
    last_synced_at: datetime | None
    #: Not synced successfully for longer than the configured threshold: its events
    #: may be out of date.
    stale: bool
    last_error: str


class CalendarUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    is_conflict: bool | msgspec.UnsetType = msgspec.UNSET
    tentative_blocks: bool | msgspec.UnsetType = msgspec.UNSET
    colour: Colour | msgspec.UnsetType = msgspec.UNSET


class EventTypeCalendars(msgspec.Struct, kw_only=True):
    #: True: no choice saved, every conflict calendar of the host is checked.
    uses_default: bool
    #: The calendars checked now.
    calendar_ids: list[int]


class EventTypeCalendarsUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    #: Conflict calendars of the host to check; null: back to the default (all).
    calendar_ids: Annotated[list[Id], msgspec.Meta(max_length=MAX_CALENDARS)] | None
