"""Tests for booking e-mails, calendar invites and manage links.

``make_invite`` is shared with ``tests/integrations/test_mail.py``, which sends a
composed message through a real SMTP server.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from booking.notifications.ics import Invite

START = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, 04:00 in New York
CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def make_invite(**changes: Any) -> Invite:
    invite = Invite(
        uid="bk_7f3a",
        sequence=0,
        status="confirmed",
        title="30 Minute Meeting",
        start=START,
        end=datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
        organizer_name="Ada Lovelace",
        organizer_email="ada@example.com",
        attendees=(("Grace Hopper", "grace@example.com"), ("Alan Turing", "alan@example.org")),
        created=CREATED,
        description="A quick call about the engine.",
        notes="Please bring the punch cards.",
        manage_url="https://book.example.com/manage/bk_7f3a?token=abc&action=any",
    )
    return dataclasses.replace(invite, **changes)
