"""Which bookings occupy their host's time: the rule the busy query encodes in SQL
(repository.confirmed_between) and tests hold the query to."""

from __future__ import annotations

from typing import Protocol

__all__ = ["BLOCKING_STATUS", "blocks_time"]

#: The one status that holds a slot; a cancelled booking frees it.
BLOCKING_STATUS = "confirmed"


class _Status(Protocol):
    @property
    def status(self) -> str: ...


def blocks_time(booking: _Status) -> bool:
    """True for a confirmed booking: it holds its slot (and buffers) against others."""
    return booking.status == BLOCKING_STATUS
