"""What the linked-calendar contract suite needs of each provider's test set-up.

``test_contract.py`` runs unchanged against Google (emulator), Microsoft (emulator)
and CalDAV (a real Radicale server); each provides a ``LinkedHarness``. The "user_"
methods change the calendar the way its owner would in the provider's own app
(through the emulator's control API, or a plain CalDAV client), never through the
adapter under test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from integrations.sync.items import EventFields
from integrations.sync.linked import LinkedCalendar

__all__ = ["LinkedHarness"]


class LinkedHarness(Protocol):
    name: str
    #: The adapter under test, on the host's linked calendar.
    calendar: LinkedCalendar
    #: The host's own address (the organiser of events the host makes).
    host_email: str

    def user_creates(
        self,
        fields: EventFields,
        *,
        organiser: str | None = None,
        daily_count: int | None = None,
    ) -> str:
        """An event made by the calendar's owner (or, with ``organiser``, an invitation
        from someone else); ``daily_count``: a daily series of that many occurrences.
        Returns its remote id (the series' id for a series)."""
        ...

    def user_edits(self, remote_id: str, **changes: object) -> None:
        """Change ``EventFields`` names (title, start, end, location, description...)."""
        ...

    def user_edits_occurrence(
        self, series_id: str, original_start: datetime, **changes: object
    ) -> None: ...

    def user_deletes(self, remote_id: str) -> None: ...

    def user_moves_out(self, remote_id: str) -> None:
        """Move the event to another calendar of the same account."""
        ...

    def make_read_only(self) -> None:
        """The linked calendar becomes read-only for the host (a shared calendar)."""
        ...

    def expire_state(self) -> None:
        """The provider forgets every sync state handed out so far."""
        ...

    def fail_next(self, status: int, *, retry_after: int | None = None) -> None:
        """The next request to the calendar's API answers ``status``."""
        ...

    def notifications_sent(self) -> int:
        """How many e-mails the provider would have sent to guests so far (Google
        ``sendUpdates`` other than none, Graph sends, iTIP scheduling on CalDAV)."""
        ...

    def raw_description(self, remote_id: str) -> str:
        """The description as the provider holds it (link back included)."""
        ...
