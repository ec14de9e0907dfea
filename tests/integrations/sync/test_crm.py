"""The CRM side of the sync against the real database (both engines): what it loads
for the planner, and what each of its writes leaves in the CRM."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from booking import db
from booking.activities import repository
from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate, ActivityUpdate, GuestResolution
from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate
from booking.errors import Conflict, NotFound
from booking.event_types import service as event_types
from booking.hosts.schemas import Host
from integrations.sync import crm
from integrations.sync.actions import CreateActivity
from integrations.sync.items import FIELD_NAMES, EventFields, Guest
from integrations.sync.policy import Scope
from tests.hosts import free_around_the_clock
from tests.migrations import insert

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
SCOPE = Scope(NOW - timedelta(days=30), NOW + timedelta(days=365))


def fields(day: int = 1, title: str = "Call", **changes: object) -> EventFields:
    start = NOW + timedelta(days=day)
    base = EventFields(title=title, start=start, end=start + timedelta(hours=1))
    return msgspec.structs.replace(base, **changes)


def create_action(
    type_id: int, the_fields: EventFields, remote_id: str = "ev1", **extra: object
) -> CreateActivity:
    return CreateActivity(remote_id=remote_id, fields=the_fields, type_id=type_id, **extra)  # type: ignore[arg-type]


async def meeting_type() -> int:
    return await activities.resolve_type(None)


async def api_activity(host: Host, day: int, **extra: object) -> int:
    start = NOW + timedelta(days=day)
    data = ActivityCreate(title=f"day {day}", start=start, end=start + timedelta(hours=1))
    created = await activities.create(host.id, msgspec.structs.replace(data, **extra))
    return created.id


@pytest.fixture
async def ada() -> Host:
    return await free_around_the_clock("ada")


async def test_load_takes_the_window_and_the_linked_ids_wherever_they_are(ada: Host) -> None:
    other = await free_around_the_clock("grace")
    inside = await api_activity(ada, 1, guests=["bob@example.com"])
    before = await api_activity(ada, -60)
    after = await api_activity(ada, 400)
    linked_far = await api_activity(ada, -90)
    trashed = await api_activity(ada, 2)
    booked = await api_activity(ada, 3)
    await api_activity(other, 1)
    await crm.trash(trashed)
    event_type = (await event_types.list_for_host(ada.id))[0]
    await insert(
        "INSERT INTO booking (uid, host, event_type, start_at, end_at, invitee_name,"
        " invitee_email, invitee_time_zone, activity, created_at)"
        " VALUES ({}, {}, {}, {}, {}, 'Eve', 'eve@example.com', 'UTC', {}, {})",
        uuid.uuid4().hex, ada.id, event_type.id, NOW + timedelta(days=3),
        NOW + timedelta(days=3, hours=1), booked, NOW,
    )  # fmt: skip

    items = {item.id: item for item in await crm.load(ada.id, SCOPE, [linked_far])}

    assert set(items) == {inside, linked_far, trashed, booked}
    assert before not in items
    assert after not in items
    assert items[trashed].trashed
    assert not items[inside].trashed
    assert {i for i, item in items.items() if item.linked_to_record} == {inside, booked}
    assert items[inside].fields.guests == (Guest(email="bob@example.com"),)
    assert items[inside].fields.start == NOW + timedelta(days=1)
    assert items[inside].fields.start.utcoffset() == timedelta(0)
    assert all(item.owner_id == ada.id for item in items.values())


async def test_create_brings_in_the_event_with_its_guests_as_the_calendar_has_them(
    ada: Host,
) -> None:
    berlin = timezone(timedelta(hours=1))
    start = datetime(2026, 12, 5, 10, tzinfo=berlin)
    event = EventFields(
        title="Planning",
        start=start,
        end=start + timedelta(hours=1),
        location="Room 4",
        description="Agenda",
        guests=(
            Guest(email="zoe@example.com", response="accepted"),
            Guest(email="Ada@example.com", response="accepted"),
            Guest(email="bob@example.com", response="declined"),
        ),
        show_as="tentative",
        private=False,
    )
    action = create_action(await meeting_type(), event, series_id="series-1", original_start=start)

    item = await crm.create(ada.id, action, guests="create", organiser="zoe@example.com")

    assert item.fields == msgspec.structs.replace(
        event,
        start=start.astimezone(UTC),
        end=(start + timedelta(hours=1)).astimezone(UTC),
        guests=(
            Guest(email="Ada@example.com", response="accepted"),
            Guest(email="bob@example.com", response="declined"),
            Guest(email="zoe@example.com", response="accepted"),
        ),
    )
    assert item.type_id == action.type_id
    assert item.linked_to_record
    assert [i for i in await crm.load(ada.id, SCOPE, []) if i.id == item.id] == [item]
    # The host is no guest of their own meeting: the others became contacts.
    assert sorted(c.email for c in await contacts.search()) == [
        "bob@example.com",
        "zoe@example.com",
    ]
    shown = await activities.get(ada.id, item.id)
    assert (shown.series_id, shown.organiser, shown.show_as) == (
        "series-1",
        "zoe@example.com",
        "tentative",
    )


async def test_match_links_existing_contacts_only(ada: Host) -> None:
    known = await contacts.create(ada.id, ContactCreate(email="bob@example.com"))
    guests = (Guest(email="BOB@example.com"), Guest(email="new@example.com"))

    item = await crm.create(
        ada.id, create_action(await meeting_type(), fields(guests=guests)), guests="match"
    )

    assert [c.id for c in await contacts.search()] == [known.id]
    shown = await activities.get(ada.id, item.id)
    assert shown.guests == ["bob@example.com"]
    assert [a.email for a in shown.attendees] == ["BOB@example.com", "new@example.com"]


async def test_a_guest_several_contacts_share_needs_attention_and_is_never_guessed(
    ada: Host,
) -> None:
    for name in ("Sales", "Sales desk"):
        await contacts.create(
            ada.id, ContactCreate(email="sales@example.com", name=name, allow_duplicate=True)
        )
    guests = (Guest(email="Sales@example.com"),)

    item = await crm.create(
        ada.id, create_action(await meeting_type(), fields(guests=guests)), guests="create"
    )

    shown = await activities.get(ada.id, item.id)
    assert shown.needs_attention
    assert [a.casefold() for a in shown.ambiguous_guests] == ["sales@example.com"]
    assert shown.guests == []
    assert len(await contacts.search()) == 2, "no third contact was made"
    assert item.fields.guests == guests


async def test_a_host_choice_between_shared_contacts_survives_a_guest_update(
    ada: Host,
) -> None:
    first, _ = [
        await contacts.create(
            ada.id, ContactCreate(email="sales@example.com", name=n, allow_duplicate=True)
        )
        for n in ("Sales", "Sales desk")
    ]
    item = await crm.create(
        ada.id,
        create_action(await meeting_type(), fields(guests=(Guest(email="sales@example.com"),))),
        guests="create",
    )
    await activities.resolve_guest(
        ada.id, item.id, GuestResolution(email="sales@example.com", contact_id=first.id)
    )
    changed = fields(
        guests=(
            Guest(email="sales@example.com", response="accepted"),
            Guest(email="carol@example.com"),
        )
    )

    await crm.update(ada.id, item.id, changed, ["guests"], guests="create")

    shown = await activities.get(ada.id, item.id)
    assert not shown.needs_attention
    assert sorted(shown.guests) == ["carol@example.com", "sales@example.com"]


async def test_update_writes_the_changed_fields_only(ada: Host) -> None:
    activity_id = await api_activity(ada, 1, location="Room 1", description="Keep me")
    incoming = fields(
        title="Renamed", location="Room 9", description="Not me", show_as="free", private=True
    )

    item = await crm.update(
        ada.id, activity_id, incoming, ["title", "show_as", "private"], guests="create"
    )

    assert item.fields.title == "Renamed"
    assert item.fields.show_as == "free"
    assert item.fields.private
    assert item.fields.location == "Room 1"
    assert item.fields.description == "Keep me"
    assert item.fields.start == NOW + timedelta(days=1)
    # Shown as free, it no longer blocks the host's time.
    busy = await activities.busy_intervals(ada.id, NOW, NOW + timedelta(days=2))
    assert busy == []


async def test_trash_hides_the_activity_and_restore_brings_it_back_with_the_event(
    ada: Host,
) -> None:
    activity_id = await api_activity(ada, 1)

    await crm.trash(activity_id)

    with pytest.raises(NotFound):
        await activities.get(ada.id, activity_id)
    assert await activities.list_for(ada.id) == []
    assert await activities.busy_intervals(ada.id, NOW, NOW + timedelta(days=2)) == []
    assert await crm.exists(activity_id)
    (trashed,) = await crm.load(ada.id, SCOPE, [])
    assert trashed.trashed

    moved = fields(day=2, title="Back", guests=(Guest(email="bob@example.com"),))
    item = await crm.restore(activity_id, moved, guests="create")

    assert not item.trashed
    assert item.fields == moved
    assert (await activities.get(ada.id, activity_id)).title == "Back"
    assert len(await activities.busy_intervals(ada.id, NOW, NOW + timedelta(days=3))) == 1


async def test_an_event_someone_else_organises_is_read_only_in_the_crm_but_not_to_sync(
    ada: Host,
) -> None:
    activity_id = await api_activity(ada, 1)
    await crm.set_organiser(activity_id, "zoe@example.com")

    with pytest.raises(Conflict, match=r"organised by zoe@example\.com in the calendar"):
        await activities.update(ada.id, activity_id, ActivityUpdate(title="Mine now"))
    done = await activities.update(ada.id, activity_id, ActivityUpdate(completed=True))
    assert done.completed

    item = await crm.update(ada.id, activity_id, fields(title="Moved"), ["title"], guests="match")
    assert item.fields.title == "Moved"
    assert item.completed


async def test_every_field_round_trips(ada: Host) -> None:
    everything = fields(
        all_day=True,
        location="Somewhere",
        description="Long\ntext",
        guests=(Guest(email="a@example.com", response="tentative"),),
        show_as="tentative",
        private=True,
    )
    item = await crm.create(ada.id, create_action(await meeting_type(), fields()), guests="match")

    updated = await crm.update(ada.id, item.id, everything, FIELD_NAMES, guests="match")

    assert updated.fields == everything
    assert not await crm.exists(item.id + 1000)


@pytest.mark.parametrize("guests", [(), (Guest(email="bob@example.com", response="accepted"),)])
async def test_create_answers_what_the_database_then_holds(
    ada: Host, guests: tuple[Guest, ...]
) -> None:
    """With or without guests (without, nothing is read back), the status row is built
    from exactly what a later load finds."""
    written = fields(
        title="  " + "T" * 600, location="Room", description=" body ", guests=guests,
        show_as="free", private=True, all_day=False,
    )  # fmt: skip
    created = await crm.create(
        ada.id, create_action(await meeting_type(), written), guests="create"
    )
    assert await crm.get(created.id) == created


async def test_get_answers_the_activity_as_load_does_and_none_once_deleted(ada: Host) -> None:
    activity_id = await api_activity(ada, 1, guests=["bob@example.com"])
    (loaded,) = await crm.load(ada.id, SCOPE, [])

    assert await crm.get(activity_id) == loaded

    await activities.delete(ada.id, activity_id)
    assert await crm.get(activity_id) is None
    assert not await crm.exists(activity_id)


async def test_many_linked_ids_outside_the_window_all_load(
    ada: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Linked ids are looked up in batches; small ones here, so several are needed.
    monkeypatch.setattr(repository, "batches", lambda rows: db.batches(rows, 2))
    far = [await api_activity(ada, -100 - n) for n in range(5)]
    # Unknown and repeated ids are harmless: the status may name deleted activities.
    asked = [*far, *far, 999_999]

    items = await crm.load(ada.id, SCOPE, asked)

    assert [i.id for i in items] == sorted(far)


def _some_fields(n: int) -> EventFields:
    """Every few an event with guests (a shared address among them), an overlong title,
    another zone, a free or private one: the shapes a batch of imports mixes."""
    guests: tuple[Guest, ...] = ()
    if n % 3 == 0:
        guests = (Guest(email=f"g{n}@example.com", response="accepted"),)
    if n % 7 == 0:
        guests = (*guests, Guest(email="ada@example.com"), Guest(email="not an address"))
    start = (NOW + timedelta(hours=n)).astimezone(timezone(timedelta(hours=n % 5)))
    return fields(
        title=(" " * (n % 2)) + f"Event {n}" + "x" * (600 if n % 11 == 0 else 0),
        start=start, end=start + timedelta(minutes=30 + n), location=f"Room {n % 4}",
        description="" if n % 2 else f"About {n}", guests=guests,
        show_as=("busy", "free", "tentative")[n % 3], private=n % 4 == 0, all_day=n % 6 == 0,
    )  # fmt: skip


async def test_create_many_answers_each_activity_as_the_database_then_holds_it(
    ada: Host,
) -> None:
    """Over two statements (500 rows each): the ids come back in the order of the
    actions, and each answer is what a read finds, guests or not."""
    meeting = await meeting_type()
    new = [
        crm.NewActivity(
            create_action(
                meeting, _some_fields(n), remote_id=f"ev{n}",
                series_id=f"s{n % 3}" if n % 5 == 0 else None,
                original_start=NOW if n % 5 == 0 else None,
            ),
            organiser="" if n % 2 else f"boss{n}@example.com",
        )
        for n in range(520)
    ]  # fmt: skip

    created = await crm.create_many(ada.id, new, guests="create")

    assert len({c.id for c in created}) == 520
    for item, made in zip(new, created, strict=True):
        assert await crm.get(made.id) == made
        assert made.fields.title == item.action.fields.title.strip()[:500]
        assert made.fields.start == item.action.fields.start
        shown = await activities.get(ada.id, made.id)
        assert (shown.organiser, shown.series_id) == (item.organiser, item.action.series_id)
    assert [c for c in created if c.linked_to_record] == [
        c for n, c in enumerate(created) if n % 3 == 0
    ]


async def test_create_many_does_what_create_does_one_by_one(ada: Host) -> None:
    other = await free_around_the_clock("grace")
    await contacts.create(other.id, ContactCreate(email="shared@example.com", name="A"))
    await contacts.create(
        other.id,
        ContactCreate(email="Shared@example.com", name="B", allow_duplicate=True),
    )
    meeting = await meeting_type()
    guests = (Guest(email="shared@example.com"), Guest(email="new@example.com"))
    one = await crm.create(
        ada.id, create_action(meeting, fields(1, guests=guests), "a"), guests="match"
    )
    (many,) = await crm.create_many(
        ada.id,
        [crm.NewActivity(create_action(meeting, fields(1, guests=guests), "b"))],
        guests="match",
    )

    assert msgspec.structs.replace(many, id=one.id) == one
    first, second = [await activities.get(ada.id, i) for i in (one.id, many.id)]
    assert second.needs_attention
    assert first.needs_attention
    assert second.ambiguous_guests == first.ambiguous_guests == ["shared@example.com"]
    assert await crm.create_many(ada.id, [], guests="create") == []


async def test_update_many_writes_each_activitys_changed_fields_only(ada: Host) -> None:
    ids = [await api_activity(ada, day, location="Room 1", description="Keep") for day in (1, 2, 3)]
    loaded = {i.id: i for i in await crm.load(ada.id, SCOPE, [])}
    incoming = [
        (loaded[ids[0]], fields(9, title="  Renamed  ", location="Room 9"), ("title",)),
        (loaded[ids[1]], fields(8, location="Room 8", show_as="free"), ("start", "show_as")),
        (
            loaded[ids[2]],
            fields(7, title="Other", guests=(Guest(email="bob@example.com"),)),
            ("title", "guests"),
        ),
    ]

    written = await crm.update_many(ada.id, incoming, guests="create")

    for item in written:
        assert await crm.get(item.id) == item
    assert written[0].fields.title == "Renamed"
    assert written[0].fields.location == "Room 1"
    assert written[1].fields.start == NOW + timedelta(days=8)
    assert written[1].fields.end == NOW + timedelta(days=2, hours=1)
    assert (written[1].fields.show_as, written[1].fields.title) == ("free", "day 2")
    assert written[2].linked_to_record
    assert not written[0].linked_to_record


async def test_update_many_of_an_activity_deleted_meanwhile_is_not_found(ada: Host) -> None:
    kept, gone = await api_activity(ada, 1), await api_activity(ada, 2)
    loaded = {i.id: i for i in await crm.load(ada.id, SCOPE, [])}
    await activities.delete(ada.id, gone)

    with pytest.raises(NotFound):
        await crm.update_many(
            ada.id,
            [(loaded[i], fields(title="New"), ("title",)) for i in (kept, gone)],
            guests="create",
        )
