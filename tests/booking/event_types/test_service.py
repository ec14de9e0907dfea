from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import availability
from booking.activities import service as activities
from booking.activities.schemas import ActivityTypeUpdate
from booking.bookings.tables import Booking
from booking.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from booking.event_types import repository
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate, EventTypeUpdate
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import ScheduleCreate, ScheduleUpdate
from booking.schedules.tables import Schedule
from booking.validation import SLUG_RE


def event_type(**fields: Any) -> EventType:
    base: dict[str, Any] = {
        "id": 1, "title": "Call", "slug": "call", "description": "", "duration_minutes": 30,
        "step_minutes": None, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 0, "horizon_days": 60, "horizon_start": None,
        "horizon_end": None, "max_per_day": None, "max_per_week": None, "location_kind": "none",
        "location_value": "", "schedule_id": None, "activity_type_id": 1, "hidden": False,
        "booking_url": "/ada/call",
    }  # fmt: skip
    return EventType(**{**base, **fields})


M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, availability.EventRules(duration=30 * M, horizon_days=60)),
        (
            {"duration_minutes": 45, "step_minutes": 15, "buffer_before_minutes": 5,
             "buffer_after_minutes": 10, "minimum_notice_minutes": 1440, "horizon_days": 14,
             "max_per_day": 3, "max_per_week": 8},
            availability.EventRules(
                duration=45 * M, step=15 * M, buffer_before=5 * M, buffer_after=10 * M,
                minimum_notice=1440 * M, horizon_days=14, max_per_day=3, max_per_week=8,
            ),
        ),
        (
            {"horizon_days": None, "horizon_start": date(2026, 12, 1),
             "horizon_end": date(2026, 12, 24)},
            availability.EventRules(
                duration=30 * M, horizon_range=(date(2026, 12, 1), date(2026, 12, 24))
            ),
        ),
    ],
    ids=["defaults", "every-field", "fixed-range"],
)  # fmt: skip
def test_rules_map_minutes_and_horizons(
    fields: dict[str, Any], expected: availability.EventRules
) -> None:
    assert event_types.rules(event_type(**fields)) == expected


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Intro Call", "intro-call"),
        ("  30 min — Café & Crème!  ", "30-min-cafe-creme"),
        ("A" * 70, "a" * 64),
        ("x" * 63 + " y", "x" * 63),
        ("日本語", ""),
    ],
)
def test_slugify_matches_the_slug_rule(title: str, slug: str) -> None:
    assert event_types.slugify(title) == slug
    assert slug == "" or SLUG_RE.fullmatch(slug)


async def _host(slug: str = "ada") -> Host:
    return await hosts.create(
        HostCreate(email=f"{slug}@example.com", slug=slug, time_zone="Europe/Berlin")
    )


@pytest.mark.usefixtures("db")
class TestCreate:
    async def test_derives_the_slug_and_fills_defaults(self) -> None:
        host = await _host()
        created = await event_types.create(
            host.id, EventTypeCreate(title="Intro Call — Café", duration_minutes=30)
        )
        assert created.slug == "intro-call-cafe"
        assert created.booking_url == "/ada/intro-call-cafe"
        assert (created.horizon_days, created.horizon_start, created.step_minutes) == (
            60,
            None,
            None,
        )
        assert (created.schedule_id, created.hidden, created.location_kind) == (None, False, "none")
        meeting = await repository.activity_type_id_by_name("Meeting")
        assert created.activity_type_id == meeting
        assert await event_types.get(host.id, created.id) == created

    async def test_once_meeting_is_renamed_the_oldest_type_is_the_default(self) -> None:
        host = await _host("ada")
        meeting = await repository.activity_type_id_by_name("Meeting")
        assert meeting is not None
        await activities.update_type(meeting, ActivityTypeUpdate(name="Sales meeting"))
        oldest = min(t.id for t in await activities.types())
        created = await event_types.create(
            host.id, EventTypeCreate(title="Intro", duration_minutes=30)
        )
        assert created.activity_type_id == oldest

    async def test_duplicate_slug_is_refused_per_host_only(self) -> None:
        ada, grace = await _host("ada"), await _host("grace")
        await event_types.create(ada.id, EventTypeCreate(title="Intro", duration_minutes=30))
        with pytest.raises(AlreadyExists) as error:
            await event_types.create(ada.id, EventTypeCreate(title="INTRO!", duration_minutes=15))
        assert error.value.field == "slug"
        other = await event_types.create(
            ada.id, EventTypeCreate(title="Other", duration_minutes=15)
        )
        with pytest.raises(AlreadyExists):
            await event_types.update(ada.id, other.id, EventTypeUpdate(slug="intro"))
        theirs = await event_types.create(
            grace.id, EventTypeCreate(title="Intro", duration_minutes=30)
        )
        assert theirs.booking_url == "/grace/intro"

    async def test_zoom_needs_a_connected_account(self) -> None:
        host = await _host()
        data = EventTypeCreate(title="Video", duration_minutes=30, location_kind="zoom")

        async def connected(host_id: int) -> bool:
            return host_id == host.id

        async def disconnected(host_id: int) -> bool:
            return False

        for zoom in (None, disconnected):
            with pytest.raises(InvalidInput) as error:
                await event_types.create(host.id, data, zoom_connected=zoom)
            assert error.value.field == "location_kind"
            assert error.value.detail.endswith(event_types.ZOOM_NOT_CONNECTED)
        assert await event_types.list_for_host(host.id) == []
        created = await event_types.create(host.id, data, zoom_connected=connected)
        assert created.location_kind == "zoom"
        # Editing something else later does not need Zoom again.
        renamed = await event_types.update(host.id, created.id, EventTypeUpdate(title="Video call"))
        assert renamed.location_kind == "zoom"


@pytest.mark.usefixtures("db")
async def test_update_switches_horizon_kind_and_clears_the_location_value() -> None:
    host = await _host()
    created = await event_types.create(
        host.id,
        EventTypeCreate(title="Visit", duration_minutes=60, location_kind="in_person",
                        location_value=" 1 Main St ", horizon_start=date(2026, 12, 1),
                        horizon_end=date(2026, 12, 24)),
    )  # fmt: skip
    assert (created.location_value, created.horizon_days) == ("1 Main St", None)
    rolling = await event_types.update(host.id, created.id, EventTypeUpdate(horizon_days=30))
    assert (rolling.horizon_days, rolling.horizon_start, rolling.horizon_end) == (30, None, None)
    fixed = await event_types.update(
        host.id,
        created.id,
        EventTypeUpdate(horizon_start=date(2027, 1, 1), horizon_end=date(2027, 1, 1)),
    )
    assert (fixed.horizon_days, fixed.horizon_start) == (None, date(2027, 1, 1))
    with pytest.raises(InvalidInput) as error:
        await event_types.update(host.id, created.id, EventTypeUpdate(horizon_end=None))
    assert error.value.field == "horizon_end"
    plain = await event_types.update(host.id, created.id, EventTypeUpdate(location_kind="none"))
    assert (plain.location_kind, plain.location_value) == ("none", "")
    with pytest.raises(InvalidInput) as error:
        await event_types.update(host.id, created.id, EventTypeUpdate(location_kind="phone"))
    assert error.value.field == "location_value"
    assert await event_types.get(host.id, created.id) == plain


@pytest.mark.usefixtures("db")
async def test_hidden_types_are_neither_listed_nor_public() -> None:
    host = await _host()
    await _host("grace")
    await event_types.create(host.id, EventTypeCreate(title="Zebra", duration_minutes=30))
    await event_types.create(host.id, EventTypeCreate(title="Alpha", duration_minutes=30))
    secret = await event_types.create(
        host.id, EventTypeCreate(title="Secret", duration_minutes=30, hidden=True)
    )
    found_host, listed = await event_types.list_listed("ada")
    assert found_host.id == host.id
    assert [e.title for e in listed] == ["Alpha", "Zebra"]
    assert len(await event_types.list_for_host(host.id)) == 3
    assert (await event_types.get(host.id, secret.id)).hidden
    public_host, public = await event_types.get_public("ada", "zebra")
    assert (public_host.slug, public.title) == ("ada", "Zebra")
    for host_slug, event_slug in [("ada", "secret"), ("ada", "nope"), ("nobody", "zebra"),
                                  ("grace", "zebra")]:  # fmt: skip
        with pytest.raises(NotFound, match=r"^No such booking page\.$"):
            await event_types.get_public(host_slug, event_slug)
    with pytest.raises(NotFound):
        await event_types.list_listed("nobody")
    assert (await event_types.list_listed("grace"))[1] == []


@pytest.mark.usefixtures("db")
async def test_bookable_hours_are_the_ones_the_event_type_is_booked_against() -> None:
    """The slots endpoint reads the working hours in the same query as the event type;
    they must be exactly what ``schedules.for_event_type`` resolves, in every case."""
    host = await _host()
    other = await _host("grace")
    evenings = await schedules.create(
        host.id,
        ScheduleCreate(name="Evenings", time_zone="Asia/Tokyo", weekly={"monday": ["18:00-22:00"]}),
    )
    weekend = await schedules.create(
        host.id,
        ScheduleCreate(
            name="Weekend", time_zone="UTC", weekly={"saturday": ["10:00-12:00"]},
            overrides={"2026-12-26": []},
        ),
    )  # fmt: skip
    plain = await event_types.create(host.id, EventTypeCreate(title="Plain", duration_minutes=30))
    brunch = await event_types.create(
        host.id, EventTypeCreate(title="Brunch", duration_minutes=30, schedule_id=weekend.id)
    )

    async def hours(slug: str) -> availability.Schedule:
        found = (await event_types.get_bookable("ada", slug)).hours
        assert found is not None
        return found

    async def resolved(event_type: EventType) -> availability.Schedule:
        return await schedules.for_event_type(
            host.id, await event_types.get(host.id, event_type.id)
        )

    assert await hours("plain") == await resolved(plain)
    assert (await hours("plain")).zone == "Europe/Berlin"
    assert await hours("brunch") == await resolved(brunch)
    assert (await hours("brunch")).overrides == {date(2026, 12, 26): []}

    # The default moves: event types without their own schedule follow it.
    await schedules.update(host.id, evenings.id, ScheduleUpdate(is_default=True))
    assert (await hours("plain")).zone == "Asia/Tokyo"
    assert await hours("plain") == await resolved(plain)

    # Their own schedule deleted: back to the (current) default.
    await schedules.delete(host.id, weekend.id)
    assert await hours("brunch") == await resolved(brunch)
    assert (await hours("brunch")).zone == "Asia/Tokyo"

    # Another host's default never leaks in; a host with no schedule at all gets None,
    # and the caller falls back to for_event_type, which creates the default.
    await Schedule.delete().where(Schedule.host == other.id)
    await event_types.create(other.id, EventTypeCreate(title="Chat", duration_minutes=30))
    assert (await event_types.get_bookable("grace", "chat")).hours is None


@pytest.mark.usefixtures("db")
async def test_an_event_type_with_bookings_cannot_be_deleted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = await _host()
    booked = await event_types.create(host.id, EventTypeCreate(title="Call", duration_minutes=30))
    start = datetime(2026, 12, 14, 9, tzinfo=UTC)
    await Booking.insert(
        Booking(uid="u1", host=host.id, event_type=booked.id, start_at=start,
                end_at=start + timedelta(minutes=30), invitee_name="Bo",
                invitee_email="bo@example.com", invitee_time_zone="UTC")
    )  # fmt: skip
    with pytest.raises(Conflict, match="has bookings; hide it instead"):
        await event_types.delete(host.id, booked.id)

    # A booking made between the check and the delete: the foreign key refuses.
    async def no_bookings(event_type_id: int) -> bool:
        return False

    monkeypatch.setattr(repository, "has_bookings", no_bookings)
    with pytest.raises(Conflict, match="has bookings; hide it instead"):
        await event_types.delete(host.id, booked.id)
    assert await event_types.get(host.id, booked.id) == booked
