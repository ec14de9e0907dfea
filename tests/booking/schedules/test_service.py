from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import availability
from booking.errors import Conflict, InvalidInput, NotFound
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import repository as hosts_repository
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import ScheduleCreate, ScheduleUpdate

MON_FRI = {day: ["09:00-17:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestValidation:
    """Validation runs before any query, so these need no database."""

    @pytest.mark.parametrize(
        ("weekly", "overrides", "field"),
        [
            ({"funday": ["09:00-10:00"]}, {}, "weekly.funday"),
            ({"Monday": ["09:00-10:00"]}, {}, "weekly.Monday"),
            ({"monday": ["9-17"]}, {}, "weekly.monday[0]"),
            ({"monday": ["09:00-10:00", "25:00-26:00"]}, {}, "weekly.monday[1]"),
            ({"monday": ["09:60-10:00"]}, {}, "weekly.monday[0]"),
            ({"monday": ["17:00-09:00"]}, {}, "weekly.monday[0]"),
            ({"monday": ["09:00-09:00"]}, {}, "weekly.monday[0]"),
            ({"monday": ["22:00-24:30"]}, {}, "weekly.monday[0]"),
            ({"monday": ["13:00-17:00", "09:00-13:30"]}, {}, "weekly.monday[0]"),
            ({"monday": ["08:00-18:00", "09:00-10:00"]}, {}, "weekly.monday[1]"),
            ({}, {"2026-02-30": []}, "overrides.2026-02-30"),
            ({}, {"20261224": []}, "overrides.20261224"),
            ({}, {"2026-12-24": ["12:00-11:00"]}, "overrides.2026-12-24[0]"),
        ],
    )
    async def test_bad_hours_name_the_field(
        self, weekly: dict[str, list[str]], overrides: dict[str, list[str]], field: str
    ) -> None:
        data = ScheduleCreate(name="x", time_zone="UTC", weekly=weekly, overrides=overrides)
        with pytest.raises(InvalidInput) as error:
            await schedules.create(1, data)
        assert error.value.field == field

    async def test_unknown_time_zone_and_blank_name_are_refused(self) -> None:
        with pytest.raises(InvalidInput) as error:
            await schedules.create(1, ScheduleCreate(name="x", time_zone="Mars/Base", weekly={}))
        assert error.value.field == "time_zone"
        with pytest.raises(InvalidInput) as error:
            await schedules.create(1, ScheduleCreate(name="  ", time_zone="UTC", weekly={}))
        assert error.value.field == "name"


@pytest.mark.usefixtures("db")
class TestDefaultSchedule:
    async def test_every_new_host_gets_mon_fri_nine_to_five_in_its_zone(self) -> None:
        host = await hosts.create(
            HostCreate(email="a@example.com", slug="a1", time_zone="Asia/Kolkata")
        )
        [only] = await schedules.list_for_host(host.id)
        assert only.is_default
        assert only.time_zone == "Asia/Kolkata"
        assert only.weekly == {**MON_FRI, "saturday": [], "sunday": []}
        assert list(only.weekly) == list(schedules.WEEKDAYS), "all seven days, Monday first"
        assert (await schedules.get_default(host.id)) == only

    async def test_host_without_any_schedule_gets_one_on_first_use(self) -> None:
        # Hosts created before schedules existed.
        row = await hosts_repository.insert(
            {"email": "old@example.com", "slug": "old", "time_zone": "America/New_York"}
        )
        default = await schedules.get_default(row.id)
        assert default.is_default
        assert default.time_zone == "America/New_York"
        assert await schedules.list_for_host(row.id) == [default]

    async def test_switching_the_default_clears_the_others_and_it_cannot_be_unset(self) -> None:
        host = await hosts.create(HostCreate(email="a@example.com", slug="a1"))
        first = await schedules.get_default(host.id)
        second = await schedules.create(
            host.id, ScheduleCreate(name="Evenings", time_zone="UTC", weekly={}, is_default=True)
        )
        assert second.is_default
        assert not (await schedules.get(host.id, first.id)).is_default
        await schedules.update(host.id, first.id, ScheduleUpdate(is_default=True))
        flags = {s.id: s.is_default for s in await schedules.list_for_host(host.id)}
        assert flags == {first.id: True, second.id: False}
        with pytest.raises(InvalidInput) as error:
            await schedules.update(host.id, first.id, ScheduleUpdate(is_default=False))
        assert error.value.field == "is_default"
        assert (await schedules.get_default(host.id)).id == first.id

    async def test_the_default_cannot_be_deleted_and_users_of_a_deleted_one_fall_back(
        self,
    ) -> None:
        host = await hosts.create(
            HostCreate(email="a@example.com", slug="a1", time_zone="Europe/Berlin")
        )
        default = await schedules.get_default(host.id)
        with pytest.raises(Conflict, match="default schedule cannot be deleted"):
            await schedules.delete(host.id, default.id)
        weekend = await schedules.create(
            host.id,
            ScheduleCreate(name="Weekend", time_zone="UTC", weekly={"saturday": ["10:00-12:00"]}),
        )
        assert not weekend.is_default, "a host that has a default keeps it"
        event_type = await event_types.create(
            host.id, EventTypeCreate(title="Brunch", duration_minutes=30, schedule_id=weekend.id)
        )
        await schedules.delete(host.id, weekend.id)
        with pytest.raises(NotFound):
            await schedules.get(host.id, weekend.id)
        event_type = await event_types.get(host.id, event_type.id)
        assert event_type.schedule_id is None
        engine = await schedules.for_event_type(host.id, event_type)
        assert engine.zone == "Europe/Berlin"


@pytest.mark.usefixtures("db")
async def test_for_event_type_converts_its_schedule_or_the_default_for_the_engine() -> None:
    host = await hosts.create(
        HostCreate(email="a@example.com", slug="a1", time_zone="Europe/Berlin")
    )
    own = await schedules.create(
        host.id,
        ScheduleCreate(
            name="Mornings",
            time_zone="America/New_York",
            weekly={"monday": ["09:00-12:00"], "tuesday": ["22:00-24:00"]},
            overrides={"2026-12-21": [], "2026-12-26": ["10:00-11:00"]},
        ),
    )
    with_own = await event_types.create(
        host.id, EventTypeCreate(title="Call", duration_minutes=30, schedule_id=own.id)
    )
    engine = await schedules.for_event_type(host.id, with_own)
    assert isinstance(engine, availability.Schedule)
    assert engine.zone == "America/New_York"
    # Mon 14 Dec: 09:00-12:00 EST; Tue 15 Dec: 22:00-24:00 EST; Mon 21 Dec blocked;
    # Sat 26 Dec: the override, though Saturdays are off.
    assert availability.working_intervals(engine, date(2026, 12, 14), date(2026, 12, 26)) == [
        (utc(2026, 12, 14, 14), utc(2026, 12, 14, 17)),
        (utc(2026, 12, 16, 3), utc(2026, 12, 16, 5)),
        (utc(2026, 12, 23, 3), utc(2026, 12, 23, 5)),
        (utc(2026, 12, 26, 15), utc(2026, 12, 26, 16)),
    ]

    with_default = await event_types.create(
        host.id, EventTypeCreate(title="Chat", duration_minutes=30)
    )
    engine = await schedules.for_event_type(host.id, with_default)
    assert engine.zone == "Europe/Berlin"
    # Monday 14 Dec 2026, 09:00-17:00 CET; Saturday off.
    assert availability.working_intervals(engine, date(2026, 12, 14), date(2026, 12, 14)) == [
        (utc(2026, 12, 14, 8), utc(2026, 12, 14, 16))
    ]
    assert availability.working_intervals(engine, date(2026, 12, 19), date(2026, 12, 20)) == []
