"""Which bookings block time: the named rule, and the SQL of the busy query held to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.bookings import repository, rules
from booking.bookings.records import BookingRecord
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate

#: status -> blocks time
CASES = [("confirmed", True), ("cancelled", False)]


@pytest.mark.parametrize(("status", "blocks"), CASES)
def test_only_confirmed_bookings_block(status: str, blocks: bool) -> None:
    class Stored:
        def __init__(self) -> None:
            self.status = status

    assert rules.blocks_time(Stored()) is blocks


@pytest.mark.usefixtures("db")
async def test_the_busy_query_agrees_with_the_rule() -> None:
    host = await hosts.create(HostCreate(email="ada@example.com", slug="ada"))
    call = await event_types.create(host.id, EventTypeCreate(title="Call", duration_minutes=30))
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    made: list[BookingRecord] = []
    for index, (status, _) in enumerate(CASES):
        at = start + timedelta(hours=index)
        await repository.insert(
            {"uid": f"u{index}", "host": host.id, "event_type": call.id, "start_at": at,
             "end_at": at + timedelta(minutes=30), "status": status, "invitee_name": "Bo",
             "invitee_email": "bo@example.com", "invitee_time_zone": "UTC"}
        )  # fmt: skip
        record = await repository.by_uid(f"u{index}")
        assert record is not None
        assert record.status == status
        made.append(record)

    busy = await repository.confirmed_between(host.id, start, start + timedelta(days=1))

    assert {b.uid for b in busy} == {r.uid for r in made if rules.blocks_time(r)}
    assert 0 < len(busy) < len(made)
