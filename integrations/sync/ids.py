"""Client-chosen remote ids: a retried create after a crash finds its own event."""

from __future__ import annotations

import base64
import hashlib

__all__ = ["remote_id_for"]


def remote_id_for(activity_id: int, namespace: str = "rendezvous") -> str:
    """The remote id an activity's event is created with.

    Deterministic, so a create retried after a crash between the provider's answer and
    our commit hits the same id (Google answers 409, CalDAV ``If-None-Match`` 412)
    instead of making a second event. Only ``0-9a-v`` (Google's base32hex alphabet,
    5-1024 characters), which is also a valid iCalendar UID and Graph transaction id.
    ``namespace`` keeps two installations sharing a calendar apart.
    """
    digest = hashlib.sha256(f"{namespace}:{activity_id}".encode()).digest()[:20]
    return "rdv" + base64.b32hexencode(digest).decode("ascii").lower()
