"""Create ids recorded before they are sent (integrations/sync/transactions.py), and
what the Graph adapter makes of them in the engine: a create whose id was never sent
is one request; every way an id can have been sent before reads back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from integrations.accounts.errors import Unavailable
from integrations.accounts.records import Account
from integrations.calendars.records import CalendarRecord
from integrations.jobs.locks import LocalLocks
from integrations.sync import repository, transactions
from integrations.sync.actions import CreateEvent, DeleteEvent, UpdateActivity
from integrations.sync.adapters import linked_calendar
from integrations.sync.engine import SyncEngine
from integrations.sync.items import CalendarItem, EventFields, OurTag
from integrations.sync.linked import LinkedCalendar
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.hosts import free_around_the_clock
from tests.integrations.providers.microsoft.helpers import microsoft_environment
from tests.integrations.sync.emulated import LinkedAccount, link_microsoft
from tests.integrations.sync.forwarding import Forwarding

EMAIL = "ada@example.com"
DAY = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
FIELDS = EventFields(title="x", start=DAY, end=DAY + timedelta(hours=1))


# -- which ids go together ----------------------------------------------------------------


def _create(remote_id: str) -> CreateEvent:
    return CreateEvent(activity_id=1, remote_id=remote_id, fields=FIELDS)


def _other(n: int) -> UpdateActivity | DeleteEvent:
    if n % 2:
        return DeleteEvent(activity_id=1, remote_id=f"e{n}", etag=None)
    return UpdateActivity(activity_id=1, remote_id=f"e{n}", fields=FIELDS, changed=("title",))


@given(st.lists(st.one_of(st.integers(0, 30).map(lambda n: f"c{n}"), st.integers(0, 5))))
def test_creates_ahead_is_the_rest_of_each_run_of_consecutive_creates(
    steps: list[str | int],
) -> None:
    actions = [_create(s) if isinstance(s, str) else _other(s) for s in steps]
    ahead = transactions.creates_ahead(actions)

    for i, action in enumerate(actions):
        if not isinstance(action, CreateEvent) or action.remote_id in {
            a.remote_id for a in actions[:i] if isinstance(a, CreateEvent)
        }:
            continue  # a repeated id keeps its first run
        streak = []
        for later in actions[i:]:
            if not isinstance(later, CreateEvent):
                break
            streak.append(later.remote_id)
        assert ahead[action.remote_id] == tuple(streak)
    assert set(ahead) == {a.remote_id for a in actions if isinstance(a, CreateEvent)}


# -- recording ------------------------------------------------------------------------------


@pytest.mark.usefixtures("db")
async def test_an_id_is_fresh_once() -> None:
    assert await transactions.spend(["a", "b", "a"]) == {"a", "b"}
    assert await transactions.spend(["b", "c"]) == {"c"}
    assert await transactions.spend([]) == set()
    many = [f"id{n}" for n in range(1000)]
    assert await transactions.spend(many) == set(many)
    assert await transactions.spend([*many, "d"]) == {"d"}


# -- the engine over the Graph adapter -----------------------------------------------------


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email=EMAIL) as emulator:
        yield emulator


@dataclass
class Faults:
    """Faults in the real adapter's creates: the process dies after the id was recorded
    and before the POST (``before``), or the POST made the event and its answer never
    came back (``after``: a time-out). ``fresh`` logs what the engine said."""

    before: int = 0
    after: int = 0
    fresh: list[bool] = field(default_factory=list)


class Faulty(Forwarding):
    def __init__(self, inner: LinkedCalendar, faults: Faults) -> None:
        super().__init__(inner)
        self.faults = faults

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        self.faults.fresh.append(fresh)
        if self.faults.before:
            self.faults.before -= 1
            raise Unavailable("the process died before the POST")
        made = self.inner.create(remote_id, fields, tag, fresh=fresh)
        if self.faults.after:
            self.faults.after -= 1
            raise Unavailable("Microsoft Graph did not answer in time")
        return made


async def _linked(ms: MicrosoftGraphEmulator, slug: str = "ada") -> tuple[LinkedAccount, Faults]:
    host = await free_around_the_clock(slug)
    env = microsoft_environment(ms)
    linked = await link_microsoft(env, ms, host.id, earliest=DAY - timedelta(days=1))
    faults = Faults()

    def factory(account: Account, calendar: CalendarRecord) -> LinkedCalendar:
        return Faulty(linked_calendar(env, account, calendar), faults)

    engine = SyncEngine(env, linked=factory, locks=LocalLocks())
    return dataclasses.replace(linked, engine=engine), faults


async def _activity(host_id: int, title: str, hour: int = 0) -> int:
    made = await activities.create(
        host_id,
        ActivityCreate(
            title=title, start=DAY + timedelta(hours=hour), end=DAY + timedelta(hours=hour + 1)
        ),
    )
    return made.id


def _view(ms: MicrosoftGraphEmulator, calendar_id: str | None = None) -> dict[str, str]:
    view = ms.calendar_view(calendar_id, DAY - timedelta(days=1), DAY + timedelta(days=1))
    return {e["id"]: e["subject"] for e in view}


async def _settled(linked: LinkedAccount, ms: MicrosoftGraphEmulator) -> None:
    """The rows name events of the linked calendar, and the next run writes nothing."""
    writes = ms.count("events.create") + ms.count("events.update")
    quiet = await linked.run()
    assert quiet.counts == {}, quiet
    assert quiet.errors == []
    assert ms.count("events.create") + ms.count("events.update") == writes
    rows = await repository.links(linked.calendar_id)
    assert rows
    assert {r.remote_id for r in rows} <= set(_view(ms))


@pytest.mark.usefixtures("db")
async def test_a_push_of_new_activities_is_one_request_each(ms: MicrosoftGraphEmulator) -> None:
    linked, faults = await _linked(ms)
    for n in range(5):
        await _activity(linked.host_id, f"Pushed {n}", n)
    creates, gets = ms.count("events.create"), ms.count("events.get")

    run = await linked.run()

    assert run.counts == {"calendar": {"create": 5}}, run
    assert ms.count("events.create") - creates == 5
    assert ms.count("events.get") == gets
    assert faults.fresh == [True] * 5
    assert sorted(_view(ms).values()) == [f"Pushed {n}" for n in range(5)]
    mirror = {i.remote_id: i for i in await repository.mirror(linked.calendar_id)}
    assert {mirror[r].fields.title for r in _view(ms)} == {f"Pushed {n}" for n in range(5)}
    await _settled(linked, ms)


@pytest.mark.usefixtures("db")
async def test_a_crash_between_recording_and_the_post_reads_the_next_try_back(
    ms: MicrosoftGraphEmulator,
) -> None:
    linked, faults = await _linked(ms)
    await _activity(linked.host_id, "Ours")
    faults.before = 1
    failed = await linked.run()
    assert failed.status == "failed"
    assert _view(ms) == {}

    gets = ms.count("events.get")
    run = await linked.run()
    assert run.counts == {"calendar": {"create": 1}}, run
    assert faults.fresh == [True, False]
    assert ms.count("events.get") > gets  # the id was spent: read back
    assert list(_view(ms).values()) == ["Ours"]
    await _settled(linked, ms)


@pytest.mark.usefixtures("db")
async def test_a_lost_answer_then_a_move_makes_the_event_again_here(
    ms: MicrosoftGraphEmulator,
) -> None:
    """The POST made the event and its answer was lost (no row); before the next run
    the host moved it to another calendar, where it keeps the transactionId. The next
    create of that id must not take Graph's answer (the moved event) for a new one."""
    linked, faults = await _linked(ms)
    await _activity(linked.host_id, "Ours")
    faults.after = 1
    failed = await linked.run()
    assert failed.status == "failed"
    (made,) = _view(ms)
    other = ms.add_calendar("Team")["id"]
    ms.move_event(made, other)

    run = await linked.run()
    assert run.counts == {"calendar": {"create": 1}}, run
    assert faults.fresh == [True, False]
    assert list(_view(ms).values()) == ["Ours"]
    assert list(_view(ms, other).values()) == ["Ours"]
    await _settled(linked, ms)


@pytest.mark.usefixtures("db")
async def test_a_lost_answer_is_adopted_by_its_tag(ms: MicrosoftGraphEmulator) -> None:
    linked, faults = await _linked(ms)
    await _activity(linked.host_id, "Ours")
    faults.after = 1
    await linked.run()
    creates = ms.count("events.create")

    await linked.run()
    assert ms.count("events.create") == creates
    assert list(_view(ms).values()) == ["Ours"]
    await _settled(linked, ms)


@pytest.mark.usefixtures("db")
async def test_a_re_create_after_the_host_moved_the_event_away_is_read_back(
    ms: MicrosoftGraphEmulator,
) -> None:
    linked, faults = await _linked(ms)
    await linked.settings(mode="one_way")
    await _activity(linked.host_id, "Ours")
    await linked.run()
    (pushed,) = _view(ms)
    other = ms.add_calendar("Team")["id"]
    ms.move_event(pushed, other)

    run = await linked.run()
    assert run.counts == {"calendar": {"create": 1}}, run
    assert faults.fresh == [True, False]
    assert list(_view(ms).values()) == ["Ours"]
    assert list(_view(ms, other).values()) == ["Ours"]
    await _settled(linked, ms)


@pytest.mark.usefixtures("db")
async def test_two_hosts_linking_one_mailbox_each_push_fresh_ids(
    ms: MicrosoftGraphEmulator,
) -> None:
    ada, ada_faults = await _linked(ms, "ada")
    bob, bob_faults = await _linked(ms, "bob")
    await _activity(ada.host_id, "Ada's", 0)
    await _activity(bob.host_id, "Bob's", 2)

    await ada.run()
    await bob.run()
    await ada.run()

    assert (ada_faults.fresh, bob_faults.fresh) == ([True], [True])
    assert sorted(_view(ms).values()) == ["Ada's", "Bob's"]
    for linked in (ada, bob):
        rows = await repository.links(linked.calendar_id)
        assert {r.remote_id for r in rows} <= set(_view(ms))
