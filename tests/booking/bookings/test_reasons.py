"""``reasons.explain_for_host``: the engine's reasons, with what is in the way named.

Time is frozen on Monday 2026-03-02 07:00 UTC; the host works Mon-Fri 09:00-17:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
import time_machine

from availability import BusyBlock
from availability.explain import TooSoon
from booking.bookings import service as bookings
from booking.bookings.links import LinkSigner
from booking.bookings.reasons import Blocker, explain_for_host
from booking.bookings.schemas import BookingCreate
from booking.bookings.service import BookingEnvironment
from booking.errors import NotFound
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


async def calendar(
    host_id: int, event_type_id: int, start: datetime, end: datetime
) -> Sequence[BusyBlock]:
    """A conflict source as integrations hands it down: one public and one private event."""
    return [
        BusyBlock(at(3, 13), at(3, 14), "google:Work", title="Dentist"),
        BusyBlock(at(3, 15), at(3, 16), "google:Work", tentative=True, title=None),
    ]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


ENV = BookingEnvironment(
    links=LinkSigner("http://example.com", b"k" * 32), mail_from="r@example.com", conflicts=calendar
)


async def test_reasons_name_the_booking_and_the_calendar_event(db: None) -> None:
    host = await hosts.create(
        HostCreate(email="a@example.com", slug="ada", time_zone="UTC", name="Ada")
    )
    call = await event_types.create(
        host.id,
        EventTypeCreate(
            title="Call", slug="call", duration_minutes=30, buffer_before_minutes=10,
            minimum_notice_minutes=180,
        ),
    )  # fmt: skip
    booked = await bookings.book(
        "ada",
        "call",
        BookingCreate(start=at(3, 10), name="Grace", email="g@example.com", time_zone="UTC"),
        ENV,
    )

    same = await explain_for_host(host.id, call.id, at(3, 10), ENV)
    assert same.reasons == [
        Blocker(
            kind="booking", start=at(3, 10), end=at(3, 10, 30), title="Call with Grace",
            booking_uid=booked.uid, activity_id=same.reasons[0].activity_id,  # type: ignore[union-attr]
        )
    ], "its activity is not a second reason"  # fmt: skip
    after = await explain_for_host(host.id, call.id, at(3, 10, 30), ENV)
    assert [(b.kind, b.only_buffer) for b in after.reasons] == [("booking", True)]  # type: ignore[union-attr]

    dentist = await explain_for_host(host.id, call.id, at(3, 13, 30), ENV)
    assert dentist.reasons == [
        Blocker(kind="calendar", start=at(3, 13), end=at(3, 14), title="Dentist",
                calendar="google:Work")
    ]  # fmt: skip
    private = await explain_for_host(host.id, call.id, at(3, 16, 0), ENV)
    assert private.reasons == [
        Blocker(kind="calendar", start=at(3, 15), end=at(3, 16), title=None,
                calendar="google:Work", tentative=True, only_buffer=True)
    ], "the 10-minute buffer before reaches back into it"  # fmt: skip

    soon = await explain_for_host(host.id, call.id, at(2, 9), ENV)
    assert [type(r) for r in soon.reasons] == [TooSoon]
    free = await explain_for_host(host.id, call.id, at(3, 11), ENV)
    assert free.bookable
    assert free.end == at(3, 11, 30)

    other = await hosts.create(
        HostCreate(email="b@example.com", slug="bob", time_zone="UTC", name="Bob")
    )
    with pytest.raises(NotFound):
        await explain_for_host(other.id, call.id, at(3, 11), ENV)
