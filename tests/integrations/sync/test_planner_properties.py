"""The planner against a model: two in-memory sides edited at random, synced until quiet.

Invariants after every run: barred operations never planned, nothing outside the window
touched, one-way never writes an activity, no duplicate on either side, linked pairs
agree, and planning again right away finds nothing to do (no echo, convergence).
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import msgspec
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from integrations.sync.actions import (
    Action,
    CreateActivity,
    CreateEvent,
    DeleteEvent,
    Plan,
    UpdateEvent,
)
from integrations.sync.items import FIELD_NAMES, EventFields, Guest, OurTag, field_hashes
from integrations.sync.policy import Operation, Policy, Scope, Side
from tests.integrations.sync.helpers import HOST, NOW, fields, policy
from tests.integrations.sync.memory import World, normalise

OPERATIONS: list[tuple[Side, Operation]] = [
    (side, op) for side in ("crm", "calendar") for op in ("create", "update", "delete")
]

days = st.integers(min_value=-45, max_value=380)
titles = st.sampled_from(["a", "b", "c"])
edits = st.one_of(
    st.builds(lambda t: {"title": t}, titles),
    st.builds(lambda loc: {"location": loc}, st.sampled_from(["", "Room 1", "Room 2"])),
    st.builds(lambda d: {"description": d}, st.sampled_from(["", "x", " x ", "y"])),
    st.builds(lambda s: {"show_as": s}, st.sampled_from(["busy", "free", "tentative"])),
    st.builds(lambda p: {"private": p}, st.booleans()),
    st.builds(
        lambda g: {"guests": tuple(Guest(email=e) for e in g)},
        st.lists(st.sampled_from(["a@x.org", "B@x.org", "b@x.org"]), max_size=2, unique=True),
    ),
    st.builds(
        lambda d: {"start": NOW + timedelta(days=d), "end": NOW + timedelta(days=d, hours=1)}, days
    ),
)


def same(name: str, crm: EventFields, remote: EventFields) -> bool:
    return field_hashes(normalise(crm))[name] == field_hashes(normalise(remote))[name]


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = World(HOST)
        self.policy: Policy = policy()
        self.now = NOW
        self.remote_ids = count(1)

    @initialize(
        activities=st.lists(st.tuples(days, titles), min_size=1, max_size=6),
        events=st.lists(st.tuples(days, titles, st.booleans()), min_size=1, max_size=6),
    )
    def first_sync(
        self, activities: list[tuple[int, str]], events: list[tuple[int, str, bool]]
    ) -> None:
        """Both sides hold something before sync is first turned on."""
        for day, title in activities:
            self.crm_create(day, title, 1, mine=True, linked=True)
        for day, title, private in events:
            self.remote_create(day, title, private, organiser=True)
        self.sync(confirm=True)

    # The CRM side: the host's and another host's activities.
    @rule(
        day=days,
        title=titles,
        type_id=st.sampled_from([1, 2]),
        mine=st.booleans(),
        linked=st.booleans(),
    )
    def crm_create(self, day: int, title: str, type_id: int, mine: bool, linked: bool) -> None:
        owner = HOST if mine else HOST + 1
        self.world.add_activity(
            fields(day=day, title=title), owner_id=owner, type_id=type_id, linked_to_record=linked
        )

    def _live_activities(self) -> list[int]:
        return sorted(a.id for a in self.world.activities.values() if not a.trashed)

    @precondition(lambda self: self._live_activities())
    @rule(data=st.data(), change=edits)
    def crm_edit(self, data: st.DataObject, change: dict[str, object]) -> None:
        activity_id = data.draw(st.sampled_from(self._live_activities()))
        self.world.edit_activity(activity_id, **change)

    @precondition(lambda self: self._live_activities())
    @rule(data=st.data(), trash=st.booleans())
    def crm_delete(self, data: st.DataObject, trash: bool) -> None:
        activity_id = data.draw(st.sampled_from(self._live_activities()))
        if trash:
            activity = self.world.activities[activity_id]
            self.world.activities[activity_id] = msgspec.structs.replace(activity, trashed=True)
        else:
            del self.world.activities[activity_id]

    # The calendar side: events, some private, some organised by someone else.
    @rule(day=days, title=titles, private=st.booleans(), organiser=st.booleans())
    def remote_create(self, day: int, title: str, private: bool, organiser: bool) -> None:
        self.world.add_event(
            f"r{next(self.remote_ids)}",
            fields(day=day, title=title, private=private),
            host_is_organiser=organiser,
        )

    @rule(day=days, title=titles)
    def other_host_pushes(self, day: int, title: str) -> None:
        """A second host linking the same shared calendar pushes one of their activities."""
        self.world.add_event(
            f"r{next(self.remote_ids)}",
            fields(day=day, title=title),
            tag=OurTag(owner_id=HOST + 1, activity_id=next(self.remote_ids)),
        )

    @precondition(lambda self: self.world.events)
    @rule(data=st.data(), change=edits)
    def remote_edit(self, data: st.DataObject, change: dict[str, object]) -> None:
        remote_id = data.draw(st.sampled_from(sorted(self.world.events)))
        self.world.edit_event(remote_id, **change)

    @precondition(lambda self: self.world.events)
    @rule(data=st.data())
    def remote_delete(self, data: st.DataObject) -> None:
        del self.world.events[data.draw(st.sampled_from(sorted(self.world.events)))]

    # The host's settings, and time passing.
    @rule(
        mode=st.sampled_from(["off", "one_way", "two_way"]),
        barred=st.frozensets(st.sampled_from(OPERATIONS), max_size=2),
        winner=st.sampled_from(["crm", "calendar"]),
        keep_body=st.booleans(),
        push_types=st.sampled_from([None, frozenset({1})]),
        only_linked=st.booleans(),
        earliest=st.integers(min_value=-60, max_value=0),
    )
    def change_policy(
        self,
        mode: str,
        barred: frozenset[tuple[Side, Operation]],
        winner: str,
        keep_body: bool,
        push_types: frozenset[int] | None,
        only_linked: bool,
        earliest: int,
    ) -> None:
        self.policy = msgspec.structs.replace(
            self.policy,
            mode=mode,
            barred=barred,
            winner=winner,
            keep_calendar_body=keep_body,
            push_types=push_types,
            only_linked=only_linked,
            earliest=NOW + timedelta(days=earliest),
        )

    @rule(days=st.integers(min_value=1, max_value=20))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule(confirm=st.booleans())
    def sync(self, confirm: bool) -> None:
        current = msgspec.structs.replace(self.policy, confirmed=confirm)
        plan = self.world.plan(current, self.now)
        self.check_plan(plan, current)
        if plan.stop is not None:
            assert not confirm
            return
        self.world.apply(plan)
        again = self.world.plan(current, self.now)
        assert again.actions == (), again.actions
        assert again.bookkeeping == (), again.bookkeeping
        self.check_agreement(current)

    @rule(data=st.data())
    def sync_crashes(self, data: st.DataObject) -> None:
        """A worker dies in the middle of a run (between a remote write and our commit)."""
        current = msgspec.structs.replace(self.policy, confirmed=True)
        plan = self.world.plan(current, self.now)
        creates = [i for i, a in enumerate(plan.actions) if isinstance(a, CreateEvent)]
        if creates:
            self.world.crash(plan, data.draw(st.sampled_from(creates)))

    def check_plan(self, plan: Plan, current: Policy) -> None:
        scope = Scope.of(current, self.now)
        world = self.world
        for action in plan.actions:
            assert (action.side, action.operation) not in current.barred
            for start in self.starts_touched(action):
                assert scope.contains(start), (action, scope)
            if current.mode == "one_way":
                assert action.side == "calendar", action
            if isinstance(action, CreateActivity):
                event = world.events[action.remote_id]
                assert not event.fields.private
                assert (event.tag is not None) == action.retag
            if isinstance(action, CreateEvent):
                assert world.activities[action.activity_id].owner_id == HOST or action.replaces
            if isinstance(action, UpdateEvent | DeleteEvent):
                assert world.events[action.remote_id].host_is_organiser
        keys = [(type(a), a.activity_id, a.remote_id) for a in plan.actions]
        assert len(keys) == len(set(keys)), "an action planned twice"

    def starts_touched(self, action: Action) -> list[object]:
        world = self.world
        starts = []
        if hasattr(action, "fields"):
            starts.append(action.fields.start)
        if action.activity_id is not None and action.activity_id in world.activities:
            starts.append(world.activities[action.activity_id].fields.start)
        if action.remote_id in world.events and not isinstance(action, CreateEvent):
            starts.append(world.events[action.remote_id].fields.start)
        return starts

    def check_agreement(self, current: Policy) -> None:
        if current.mode == "off" or any(op == "update" for _, op in current.barred):
            return
        scope = Scope.of(current, self.now)
        for row in self.world.status.values():
            activity = self.world.activities.get(row.activity_id)
            event = self.world.events.get(row.remote_id)
            if activity is None or activity.trashed or event is None:
                continue
            if not (scope.contains(activity.fields.start) and scope.contains(event.fields.start)):
                continue
            if current.mode == "one_way" and row.origin == "calendar":
                continue
            for name in FIELD_NAMES:
                if (
                    name == "description"
                    and current.keep_calendar_body
                    and row.origin == "calendar"
                ):
                    continue
                assert same(name, activity.fields, event.fields), (name, activity, event)

    @invariant()
    def no_duplicates(self) -> None:
        rows = list(self.world.status.values())
        assert len({r.activity_id for r in rows}) == len(rows), "an activity linked twice"
        assert len({r.remote_id for r in rows}) == len(rows), "an event linked twice"
        tags = [
            e.tag.activity_id
            for e in self.world.events.values()
            if e.tag is not None and e.tag.owner_id == HOST
        ]
        assert len(tags) == len(set(tags)), "two events for one activity"
        for row in rows:
            event = self.world.events.get(row.remote_id)
            if event is not None and event.tag is not None:
                assert event.tag.activity_id == row.activity_id, "a tag naming another activity"


TestSyncMachine = SyncMachine.TestCase
TestSyncMachine.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
