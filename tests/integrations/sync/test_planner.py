"""The planner's rules, one test each (docs/sync.md lists them)."""

from __future__ import annotations

from datetime import timedelta, timezone

import msgspec
import pytest

from integrations.sync.actions import (
    CreateActivity,
    CreateEvent,
    DeleteEvent,
    Link,
    RestoreActivity,
    TrashActivity,
    UpdateActivity,
    UpdateEvent,
)
from integrations.sync.ids import remote_id_for
from integrations.sync.items import Guest, OurTag
from tests.integrations.sync.helpers import APPOINTMENT, HOST, MEETING, NOW, fields, policy
from tests.integrations.sync.memory import World


def linked_pair(world: World, **extra: object) -> tuple[int, str]:
    """An activity pushed to the calendar by a first run."""
    activity = world.add_activity(fields(), **extra)
    world.apply(world.plan(policy(), NOW))
    (row,) = [r for r in world.status.values() if r.activity_id == activity.id]
    return activity.id, row.remote_id


def imported_pair(world: World, remote_id: str = "ev1", **extra: object) -> tuple[int, str]:
    """A calendar event brought in as an activity by a first run."""
    world.add_event(remote_id, fields(), **extra)
    world.apply(world.plan(policy(), NOW))
    (row,) = [r for r in world.status.values() if r.remote_id == remote_id]
    return row.activity_id, remote_id


def kinds(plan: object) -> list[type]:
    return [type(action) for action in plan.actions]  # type: ignore[attr-defined]


class TestModes:
    def test_off_plans_nothing(self) -> None:
        world = World(HOST)
        world.add_activity(fields())
        world.add_event("ev1", fields())
        plan = world.plan(policy(mode="off"), NOW)
        assert not plan.actions
        assert not plan.skipped
        assert not plan.bookkeeping

    def test_two_way_pushes_activities_and_imports_events(self) -> None:
        world = World(HOST)
        activity = world.add_activity(fields(title="Demo"))
        world.add_event("ev1", fields(title="Dentist"))
        plan = world.plan(policy(), NOW)
        assert sorted(k.__name__ for k in kinds(plan)) == ["CreateActivity", "CreateEvent"]
        (create,) = [a for a in plan.actions if isinstance(a, CreateEvent)]
        assert create.activity_id == activity.id
        assert create.fields.title == "Demo"

    def test_one_way_brings_no_event_in_as_an_activity(self) -> None:
        world = World(HOST)
        world.add_event("ev1", fields(title="Dentist"))
        world.add_activity(fields(title="Demo"))
        assert kinds(world.plan(policy(mode="one_way"), NOW)) == [CreateEvent]

    def test_one_way_puts_back_a_calendar_edit_of_a_pushed_event(self) -> None:
        world = World(HOST)
        _activity_id, remote_id = linked_pair(world)
        world.edit_event(remote_id, title="Changed in the calendar")
        (action,) = world.plan(policy(mode="one_way"), NOW).actions
        assert isinstance(action, UpdateEvent)
        assert action.fields.title == "Call"

    def test_one_way_leaves_pairs_born_in_the_calendar_alone(self) -> None:
        world = World(HOST)
        _activity_id, remote_id = imported_pair(world)
        world.edit_event(remote_id, title="Moved")
        del world.events[remote_id]
        assert not world.plan(policy(mode="one_way"), NOW).actions


class TestChangeDetection:
    def test_a_synced_pair_plans_nothing(self) -> None:
        world = World(HOST)
        linked_pair(world)
        imported_pair(world)
        plan = world.plan(policy(), NOW)
        assert not plan.actions
        assert not plan.bookkeeping

    def test_a_new_etag_with_the_same_content_is_no_change(self) -> None:
        world = World(HOST)
        _, remote_id = linked_pair(world)
        world.edit_event(remote_id)  # the provider bumped the etag, nothing else
        assert not world.plan(policy(), NOW).actions

    def test_our_own_echo_normalised_by_the_provider_is_no_change(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, description="  notes with spaces  ")
        world.apply(world.plan(policy(), NOW))
        # The calendar holds "notes with spaces" (trimmed); the CRM keeps its spaces.
        assert world.events[remote_id].fields.description == "notes with spaces"
        assert not world.plan(policy(), NOW).actions

    def test_a_calendar_edit_after_our_normalised_write_carries_only_its_own_field(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, description="  notes  ")
        world.apply(world.plan(policy(), NOW))
        world.edit_event(remote_id, title="Renamed in the calendar")
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateActivity)
        assert action.changed == ("title",)

    def test_the_same_instant_in_another_zone_is_no_change(self) -> None:
        world = World(HOST)
        _, remote_id = linked_pair(world)
        event = world.events[remote_id]
        zone = timezone(timedelta(hours=5))
        world.edit_event(
            remote_id,
            start=event.fields.start.astimezone(zone),
            end=event.fields.end.astimezone(zone),
        )
        assert not world.plan(policy(), NOW).actions

    def test_guests_in_another_order_or_case_are_no_change(self) -> None:
        world = World(HOST)
        a, b = Guest(email="a@example.org"), Guest(email="B@example.org")
        world.add_activity(fields(guests=(a, b)))
        world.apply(world.plan(policy(), NOW))
        (remote_id,) = world.events
        world.edit_event(remote_id, guests=(Guest(email="b@EXAMPLE.org"), a))
        assert not world.plan(policy(), NOW).actions

    def test_a_crm_edit_updates_the_event_with_the_changed_field(self) -> None:
        world = World(HOST)
        activity_id, _remote_id = linked_pair(world)
        world.edit_activity(activity_id, location="Room 4")
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateEvent)
        assert action.changed == ("location",)
        assert action.fields.location == "Room 4"

    def test_a_calendar_edit_updates_the_activity(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        world.edit_event(remote_id, show_as="tentative")
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateActivity)
        assert action.changed == ("show_as",)
        assert action.activity_id == activity_id


class TestMerge:
    def test_different_fields_changed_on_both_sides_merge(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="New title")
        world.edit_event(remote_id, location="Room 4")
        plan = world.plan(policy(), NOW)
        assert not plan.conflicts
        world.apply(plan)
        assert world.activities[activity_id].fields == world.events[remote_id].fields
        assert world.activities[activity_id].fields.title == "New title"
        assert world.activities[activity_id].fields.location == "Room 4"

    @pytest.mark.parametrize(("winner", "expected"), [("calendar", "Cal"), ("crm", "Crm")])
    def test_the_same_field_changed_on_both_sides_goes_to_the_winner(
        self, winner: str, expected: str
    ) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Crm")
        world.edit_event(remote_id, title="Cal")
        plan = world.plan(policy(winner=winner), NOW)
        (conflict,) = plan.conflicts
        assert (conflict.field, conflict.crm_value, conflict.calendar_value) == (
            "title",
            "Crm",
            "Cal",
        )
        world.apply(plan)
        assert world.activities[activity_id].fields.title == expected
        assert world.events[remote_id].fields.title == expected

    def test_the_same_change_on_both_sides_is_no_conflict(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Same")
        world.edit_event(remote_id, title="Same")
        plan = world.plan(policy(), NOW)
        assert not plan.actions
        assert not plan.conflicts
        world.apply(plan)
        assert not world.plan(policy(), NOW).bookkeeping


class TestEligibility:
    def test_only_the_hosts_own_activities_are_pushed(self) -> None:
        world = World(HOST)
        world.add_activity(fields(), owner_id=HOST + 1)
        assert not world.plan(policy(), NOW).actions

    def test_only_the_selected_activity_types_are_pushed(self) -> None:
        world = World(HOST)
        world.add_activity(fields(), type_id=1)
        pushed = world.add_activity(fields(), type_id=2)
        (action,) = world.plan(policy(push_types=frozenset({2})), NOW).actions
        assert isinstance(action, CreateEvent)
        assert action.activity_id == pushed.id

    def test_only_activities_linked_to_a_contact_or_booking_when_asked(self) -> None:
        world = World(HOST)
        world.add_activity(fields())
        linked = world.add_activity(fields(), linked_to_record=True)
        (action,) = world.plan(policy(only_linked=True), NOW).actions
        assert isinstance(action, CreateEvent)
        assert action.activity_id == linked.id

    def test_private_events_are_never_imported(self) -> None:
        world = World(HOST)
        world.add_event("ev1", fields(private=True))
        assert not world.plan(policy(), NOW).actions

    def test_external_events_are_saved_as_meeting_or_appointment_by_guests(self) -> None:
        world = World(HOST)
        world.add_event("with", fields(guests=(Guest(email="x@example.org"),)))
        world.add_event("without", fields())
        types = {a.remote_id: a.type_id for a in world.plan(policy(), NOW).actions}  # type: ignore[union-attr]
        assert types == {"with": MEETING, "without": APPOINTMENT}

    def test_a_completed_activity_keeps_its_event(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.activities[activity_id] = msgspec.structs.replace(
            world.activities[activity_id], completed=True
        )
        assert not world.plan(policy(), NOW).actions
        assert remote_id in world.events


class TestWindow:
    @pytest.mark.parametrize("day", [-31, 366])
    def test_nothing_outside_the_window_is_created(self, day: int) -> None:
        world = World(HOST)
        world.add_activity(fields(day=day))
        world.add_event("ev1", fields(day=day))
        assert not world.plan(policy(), NOW).actions

    def test_nothing_before_the_earliest_moment_is_touched(self) -> None:
        world = World(HOST)
        world.add_activity(fields(day=-5))
        world.add_event("ev1", fields(day=-5))
        assert not world.plan(policy(earliest=NOW - timedelta(days=1)), NOW).actions
        assert len(world.plan(policy(earliest=NOW - timedelta(days=10)), NOW).actions) == 2

    def test_an_edit_moving_an_item_out_of_the_window_is_not_sent(self) -> None:
        world = World(HOST)
        activity_id, _ = linked_pair(world)
        world.edit_activity(activity_id, start=NOW + timedelta(days=400))
        assert not world.plan(policy(), NOW).actions

    def test_an_activity_moved_out_of_the_window_then_trashed_leaves_its_event(self) -> None:
        world = World(HOST)
        activity_id, _ = linked_pair(world)
        world.edit_activity(activity_id, start=NOW - timedelta(days=45))
        world.activities[activity_id] = msgspec.structs.replace(
            world.activities[activity_id], trashed=True
        )
        assert not world.plan(policy(), NOW).actions

    def test_a_missing_event_last_seen_outside_the_window_is_no_deletion(self) -> None:
        world = World(HOST)
        _activity_id, remote_id = imported_pair(world)
        del world.events[remote_id]
        later = NOW + timedelta(days=40)  # the pair's start is now 39 days back
        assert not world.plan(policy(), later).actions


class TestBarredAndExcluded:
    def test_barred_operations_are_listed_as_skipped_never_planned(self) -> None:
        world = World(HOST)
        activity_id, _remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Changed")
        world.add_event("ev9", fields())
        plan = world.plan(
            policy(barred=frozenset({("calendar", "update"), ("crm", "create")})), NOW
        )
        assert not plan.actions
        assert sorted((s.action.side, s.action.operation, s.reason) for s in plan.skipped) == [
            ("calendar", "update", "barred"),
            ("crm", "create", "barred"),
        ]

    def test_a_barred_change_stays_pending_until_allowed(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Changed")
        world.edit_event(remote_id, location="Room 4")
        world.apply(world.plan(policy(barred=frozenset({("calendar", "update")})), NOW))
        assert world.events[remote_id].fields.title == "Call"
        world.apply(world.plan(policy(), NOW))
        assert world.events[remote_id].fields.title == "Changed"

    def test_a_calendar_change_waiting_on_a_bar_survives_our_write_to_that_event(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_event(remote_id, location="Room 4")
        world.edit_activity(activity_id, title="Changed")
        world.apply(world.plan(policy(barred=frozenset({("crm", "update")})), NOW))
        # Our title write gave the event a new etag; the location is still news to the CRM.
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateActivity)
        assert action.changed == ("location",)

    def test_unticked_items_stay_out_until_included(self) -> None:
        world = World(HOST)
        world.add_event("ev1", fields())
        plan = world.plan(policy(excluded_events=frozenset({"ev1"})), NOW)
        assert not plan.actions
        assert plan.skipped[0].reason == "excluded"
        assert kinds(world.plan(policy(), NOW)) == [CreateActivity]

    def test_writes_a_provider_refused_for_good_are_not_tried_again(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Changed")
        plan = world.plan(policy(refused=frozenset({remote_id})), NOW)
        assert not plan.actions
        assert [(s.action.remote_id, s.reason) for s in plan.skipped] == [(remote_id, "refused")]


class TestDeletions:
    def test_an_activity_deleted_in_the_crm_deletes_its_event(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        del world.activities[activity_id]
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, DeleteEvent)
        assert action.remote_id == remote_id

    def test_an_event_leaving_the_calendar_trashes_its_activity(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        event = world.events.pop(remote_id)
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [TrashActivity]
        world.apply(plan)
        assert world.activities[activity_id].trashed
        assert not world.plan(policy(), NOW).actions
        world.events[remote_id] = event  # moved back
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [RestoreActivity]
        world.apply(plan)
        assert not world.activities[activity_id].trashed

    def test_our_event_moved_back_under_a_new_id_restores_its_activity(self) -> None:
        """Regression: Graph gives an event moved to another calendar and back a new id.
        The activity stayed in the trash while its event (with our tag) was back."""
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        event = world.events.pop(remote_id)
        world.apply(world.plan(policy(), NOW))
        assert world.activities[activity_id].trashed
        world.events["new-id"] = msgspec.structs.replace(event, remote_id="new-id")
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [RestoreActivity]
        world.apply(plan)
        assert not world.activities[activity_id].trashed
        assert [(r.activity_id, r.remote_id) for r in world.status.values()] == [
            (activity_id, "new-id")
        ]
        assert not world.plan(policy(), NOW).actions

    def test_an_event_moved_back_after_the_trash_was_emptied_is_recreated(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        event = world.events.pop(remote_id)
        world.apply(world.plan(policy(), NOW))
        del world.activities[activity_id]  # trash emptied
        world.events[remote_id] = event
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [CreateActivity]
        world.apply(plan)
        assert not world.plan(policy(), NOW).actions
        assert len(world.activities) == 1

    def test_our_first_event_back_beside_the_one_a_crm_edit_made_is_deleted(self) -> None:
        """Regression (the sync state machine, Graph): an event moved out, the CRM edit
        that gave its activity a new event, then the first one moved back under a new
        id: two events for one activity stayed."""
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, description="Agenda")
        event = world.events.pop(remote_id)
        world.apply(world.plan(policy(), NOW))  # a new event for the activity
        (current,) = world.events
        world.events["back"] = msgspec.structs.replace(event, remote_id="back")

        plan = world.plan(policy(), NOW)

        (action,) = plan.actions
        assert isinstance(action, DeleteEvent)
        assert (action.activity_id, action.remote_id) == (activity_id, "back")
        world.apply(plan)
        assert list(world.events) == [current]
        assert world.events[current].fields.description == "Agenda"
        assert not world.plan(policy(), NOW).actions

    def test_a_copy_the_host_made_for_another_day_stays(self) -> None:
        """Calendar apps copy our tag with the event: the copy is the host's."""
        world = World(HOST)
        _, remote_id = linked_pair(world)
        event = world.events[remote_id]
        later = event.fields.start + timedelta(days=7)
        world.events["next-week"] = msgspec.structs.replace(
            event,
            remote_id="next-week",
            fields=msgspec.structs.replace(
                event.fields, start=later, end=later + timedelta(hours=1)
            ),
        )
        assert not world.plan(policy(), NOW).actions

    def test_a_second_copy_stays_while_the_activitys_own_event_is_away(self) -> None:
        world = World(HOST)
        _, remote_id = linked_pair(world)
        event = world.events.pop(remote_id)
        world.events["copy"] = msgspec.structs.replace(event, remote_id="copy")
        assert not any(isinstance(a, DeleteEvent) for a in world.plan(policy(), NOW).actions)

    def test_a_second_copy_is_not_deleted_when_calendar_deletes_are_barred(self) -> None:
        world = World(HOST)
        _, remote_id = linked_pair(world)
        copy = msgspec.structs.replace(world.events[remote_id], remote_id="copy")
        world.events["copy"] = copy
        plan = world.plan(policy(barred=frozenset({("calendar", "delete")})), NOW)
        assert not plan.actions
        assert [(s.action.remote_id, s.reason) for s in plan.skipped] == [("copy", "barred")]

    def test_a_crm_edit_beats_a_calendar_deletion(self) -> None:
        world = World(HOST)
        activity_id, remote_id = linked_pair(world)
        world.edit_activity(activity_id, title="Still wanted")
        del world.events[remote_id]
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [CreateEvent]
        assert plan.conflicts[0].field is None

    def test_a_calendar_edit_beats_a_crm_deletion(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        world.edit_event(remote_id, title="Still wanted")
        del world.activities[activity_id]
        plan = world.plan(policy(), NOW)
        assert kinds(plan) == [CreateActivity]
        assert plan.conflicts[0].field is None


class TestOrganiser:
    def test_a_crm_edit_of_an_event_the_host_does_not_organise_is_put_back(self) -> None:
        world = World(HOST)
        activity_id, _remote_id = imported_pair(world, host_is_organiser=False)
        world.edit_activity(activity_id, title="Mine now")
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateActivity)
        assert action.fields.title == "Call"

    def test_a_crm_deletion_of_an_event_the_host_does_not_organise_is_not_sent(self) -> None:
        world = World(HOST)
        activity_id, _remote_id = imported_pair(world, host_is_organiser=False)
        del world.activities[activity_id]
        assert kinds(world.plan(policy(), NOW)) == [CreateActivity]


class TestKeepCalendarBody:
    def test_a_crm_edit_never_overwrites_the_body_of_a_calendar_event(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        world.edit_event(remote_id, description="<b>rich</b>")
        world.apply(world.plan(policy(keep_calendar_body=True), NOW))
        world.edit_activity(activity_id, description="plain", title="Renamed")
        plan = world.plan(policy(keep_calendar_body=True), NOW)
        (action,) = plan.actions
        assert isinstance(action, UpdateEvent)
        assert action.changed == ("title",)
        assert action.fields.description == "<b>rich</b>"
        world.apply(plan)
        assert not world.plan(policy(keep_calendar_body=True), NOW).actions

    def test_a_held_body_goes_out_once_the_setting_is_off(self) -> None:
        world = World(HOST)
        activity_id, remote_id = imported_pair(world)
        world.edit_activity(activity_id, description="plain")
        world.apply(world.plan(policy(keep_calendar_body=True), NOW))
        assert world.events[remote_id].fields.description != "plain"
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateEvent)
        assert action.changed == ("description",)


class TestRecurring:
    def occurrences(self, world: World) -> list[str]:
        ids = [f"series_2026120{d}" for d in (1, 2, 3)]
        for day, remote_id in enumerate(ids, start=1):
            world.add_event(
                remote_id,
                fields(day=day, title="Standup"),
                series_id="series",
                original_start=fields(day=day).start,
            )
        world.apply(world.plan(policy(), NOW))
        return ids

    def test_occurrences_become_activities_grouped_by_series(self) -> None:
        world = World(HOST)
        world.add_event("series_20261201", fields(day=1), series_id="series")
        world.add_event("series_20261202", fields(day=2), series_id="series")
        plan = world.plan(policy(), NOW)
        assert {a.remote_id for a in plan.by_series()["series"]} == {
            "series_20261201",
            "series_20261202",
        }

    def test_an_edited_occurrence_updates_that_occurrence_only(self) -> None:
        world = World(HOST)
        ids = self.occurrences(world)
        row = next(r for r in world.status.values() if r.remote_id == ids[1])
        world.edit_activity(row.activity_id, title="Standup (moved room)")
        (action,) = world.plan(policy(), NOW).actions
        assert isinstance(action, UpdateEvent)
        assert action.remote_id == ids[1]

    def test_deleting_the_series_trashes_every_occurrence(self) -> None:
        world = World(HOST)
        ids = self.occurrences(world)
        for remote_id in ids:
            del world.events[remote_id]
        plan = world.plan(policy(ask_threshold=10), NOW)
        assert kinds(plan) == [TrashActivity] * 3


class TestIdempotentCreates:
    def test_remote_ids_are_deterministic_and_provider_safe(self) -> None:
        assert remote_id_for(42) == remote_id_for(42) != remote_id_for(43)
        assert remote_id_for(42, "one") != remote_id_for(42, "other")
        assert set(remote_id_for(42)) <= set("0123456789abcdefghijklmnopqrstuv")
        assert 5 <= len(remote_id_for(42)) <= 1024

    def test_an_event_from_an_interrupted_create_is_adopted_not_duplicated(self) -> None:
        world = World(HOST)
        activity = world.add_activity(fields())
        (create,) = world.plan(policy(), NOW).actions
        assert isinstance(create, CreateEvent)
        assert create.remote_id == remote_id_for(activity.id)
        # The provider wrote the event; we crashed before the status row was committed.
        world.add_event(create.remote_id, create.fields)
        plan = world.plan(policy(), NOW)
        assert not plan.actions
        assert plan.bookkeeping[0] == Link(activity_id=activity.id, remote_id=create.remote_id)
        world.apply(plan)
        assert not world.plan(policy(), NOW).actions
        assert len(world.events) == 1

    def test_another_hosts_pushed_event_on_a_shared_calendar_is_not_imported(self) -> None:
        world = World(HOST)
        world.add_event("theirs", fields(), tag=OurTag(owner_id=HOST + 1, activity_id=5))
        assert not world.plan(policy(), NOW).actions


class TestStopAndAsk:
    def three_pairs(self, world: World) -> list[int]:
        ids = [world.add_activity(fields(day=d)).id for d in (1, 2, 3)]
        world.apply(world.plan(policy(), NOW))
        return ids

    def test_a_suddenly_empty_calendar_stops_the_run(self) -> None:
        world = World(HOST)
        self.three_pairs(world)
        world.events.clear()
        stop = world.plan(policy(), NOW).stop
        assert stop is not None
        assert (stop.reason, stop.side, stop.count) == (
            "side_empty",
            "calendar",
            3,
        )

    def test_a_run_that_would_delete_every_event_stops(self) -> None:
        world = World(HOST)
        for activity_id in self.three_pairs(world):
            del world.activities[activity_id]
        world.add_activity(fields(day=9))  # the CRM is not empty
        stop = world.plan(policy(), NOW).stop
        assert stop is not None
        assert (stop.reason, stop.side) == ("would_delete_all", "calendar")

    def test_the_hosts_confirmation_lets_it_go_on(self) -> None:
        world = World(HOST)
        self.three_pairs(world)
        world.events.clear()
        assert world.plan(policy(confirmed=True), NOW).stop is None

    def test_below_the_threshold_deleting_everything_is_ordinary(self) -> None:
        world = World(HOST)
        activity_id, _ = linked_pair(world)
        del world.activities[activity_id]
        plan = world.plan(policy(), NOW)
        assert plan.stop is None
        assert kinds(plan) == [DeleteEvent]
