"""API shapes of video accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

AccountStatus = Literal["ok", "reconnect_needed"]
Provider = Literal["zoom"]


class VideoAccount(msgspec.Struct, kw_only=True):
    id: int
    provider: str
    #: The Zoom user the meetings are made for.
    user_id: str
    email: str
    display_name: str
    #: ok; reconnect_needed (Zoom refused our access: connect again; until then
    #: bookings are confirmed without a meeting link). status_message says why.
    status: AccountStatus
    status_message: str
    connected_at: datetime


class VideoAccountConnect(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    provider: Provider = "zoom"
