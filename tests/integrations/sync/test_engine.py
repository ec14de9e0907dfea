"""The sync engine against the real database (both engines) and an in-memory linked
calendar: what a host sees after runs, and what never happens (duplicates, echoes,
writes in a dry run, barred writes, retries of refused writes)."""

from __future__ import annotations

import pytest

from booking.activities import service as activities
from booking.activities.schemas import ActivityUpdate
from booking.outbox.tables import OutboxJob
from integrations.sync import repository
from integrations.sync.items import EventFields, Guest, OurTag
from tests.integrations.sync.conftest import Setup, fields
from tests.integrations.sync.fake_calendar import unavailable

pytestmark = pytest.mark.usefixtures("db")


async def test_off_runs_nothing(setup: Setup) -> None:
    await setup.mode("off")
    setup.calendar.user_adds("ev1", fields())
    run = await setup.run()
    assert run.status == "skipped"
    assert setup.calendar.calls == []
    assert await setup.activities() == []


async def test_two_way_imports_events_and_a_second_run_is_one_call_and_no_write(
    setup: Setup,
) -> None:
    setup.calendar.user_adds("ev1", fields(title="Dentist"))
    setup.calendar.user_adds(
        "ev2", fields(day=3, title="Board", guests=(Guest(email="bob@example.com"),))
    )
    run = await setup.run()
    assert run.status == "done"
    assert run.counts == {"crm": {"create": 2}}
    imported = {a.title: a for a in await setup.activities()}
    assert set(imported) == {"Dentist", "Board"}
    # Save as: Meeting with guests, Appointment without.
    assert imported["Board"].activity_type.name == "Meeting"
    assert imported["Dentist"].activity_type.name == "Appointment"

    setup.calendar.calls.clear()
    quiet = await setup.run()
    assert quiet.counts == {}
    assert setup.calendar.calls == ["changes"]


async def test_private_events_stay_out_of_the_crm(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields(title="Busy", private=True))
    run = await setup.run()
    assert run.counts == {}
    assert await setup.activities() == []


async def test_activities_are_pushed_tagged_and_their_echo_is_not_imported(setup: Setup) -> None:
    activity_id = await setup.add_activity(fields(title="Kick-off", description="Agenda  "))
    run = await setup.run()
    assert run.counts == {"calendar": {"create": 1}}
    (event,) = setup.calendar.tagged()
    assert event.tag == OurTag(owner_id=setup.host.id, activity_id=activity_id)
    assert event.fields.description == "Agenda"  # the provider trimmed it

    setup.calendar.calls.clear()
    again = await setup.run()
    assert again.counts == {}
    assert setup.calendar.writes == 0
    assert [a.title for a in await setup.activities()] == ["Kick-off"]


async def test_edits_on_both_sides_merge_and_a_clash_is_logged(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields(title="Review"))
    await setup.run()
    (activity,) = await setup.activities()

    setup.calendar.user_edits("ev1", location="Room 4", title="Review (calendar)")
    await activities.update(
        setup.host.id, activity.id, ActivityUpdate(description="notes", title="Review (CRM)")
    )
    run = await setup.run()
    (merged,) = await setup.activities()
    assert merged.location == "Room 4"
    assert merged.description == "notes"
    # The calendar wins a clash by default, and the log shows both values.
    assert merged.title == "Review (calendar)"
    assert setup.calendar.events["ev1"].fields.description == "notes"
    assert [(c["field"], c["crm_value"], c["calendar_value"]) for c in run.conflicts] == [
        ("title", "Review (CRM)", "Review (calendar)")
    ]


async def test_a_dry_run_writes_nothing_and_unticked_items_stay_out(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields(title="Keep"))
    setup.calendar.user_adds("ev2", fields(day=3, title="Skip"))
    preview = await setup.run(dry_run=True)
    assert preview.status == "done"
    assert sorted((e.side, e.operation, e.title) for e in preview.plan) == [
        ("crm", "create", "Keep"),
        ("crm", "create", "Skip"),
    ]
    assert await setup.activities() == []
    assert setup.calendar.writes == 0

    run = await setup.run(exclude_events=("ev2",))
    assert [a.title for a in await setup.activities()] == ["Keep"]
    assert [(e.title, e.skipped) for e in run.plan] == [("Skip", "excluded")]
    # Still out on the next run, until the host ticks it again.
    await setup.run()
    assert [a.title for a in await setup.activities()] == ["Keep"]
    await setup.run(include_events=("ev2",))
    assert sorted(a.title for a in await setup.activities()) == ["Keep", "Skip"]


async def test_a_crash_after_the_remote_create_makes_no_duplicate(setup: Setup) -> None:
    await setup.add_activity(fields(title="Pushed once"))
    setup.calendar.fail_after_write = unavailable()
    failed = await setup.run()
    assert failed.status == "failed"
    assert len(setup.calendar.tagged()) == 1  # the provider made it; we never heard

    await setup.run()
    await setup.run()
    assert len(setup.calendar.events) == 1
    assert [a.title for a in await setup.activities()] == ["Pushed once"]
    assert setup.calendar.writes == 1


async def test_a_provider_failing_midway_keeps_the_writes_it_confirmed(setup: Setup) -> None:
    for day in (2, 3, 4):
        await setup.add_activity(fields(day=day, title=f"Pushed on day {day}"))
    create = setup.calendar.create

    def second_fails(
        remote_id: str, the_fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> object:
        if setup.calendar.writes == 1:
            setup.calendar.fail_next = unavailable()
        return create(remote_id, the_fields, tag, fresh=fresh)

    setup.calendar.create = second_fails  # type: ignore[method-assign]
    failed = await setup.run()
    assert failed.status == "failed"
    assert len(setup.calendar.tagged()) == 1

    setup.calendar.create = create  # type: ignore[method-assign]
    setup.calendar.calls.clear()
    run = await setup.run()
    # The first event's row was committed: it is neither made again nor adopted.
    assert run.counts == {"calendar": {"create": 2}}
    assert setup.calendar.writes == 2
    assert len(setup.calendar.tagged()) == 3


async def test_an_import_larger_than_a_transaction_makes_each_activity_once(
    setup: Setup,
) -> None:
    for n in range(250):
        setup.calendar.user_adds(f"ev{n}", fields(day=2 + n // 24, title=f"Event {n}"))
    run = await setup.run()
    assert run.counts == {"crm": {"create": 250}}
    assert sorted(a.title for a in await setup.activities()) == sorted(
        f"Event {n}" for n in range(250)
    )
    assert (await setup.run()).counts == {}


async def test_an_expired_sync_state_resyncs_in_full_without_duplicates(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields(title="One"))
    await setup.run()
    setup.calendar.user_adds("ev2", fields(day=4, title="Two"))
    setup.calendar.expire_states()
    run = await setup.run()
    assert run.status == "done"
    assert sorted(a.title for a in await setup.activities()) == ["One", "Two"]


async def test_a_calendar_that_suddenly_answers_empty_stops_and_asks(setup: Setup) -> None:
    for n in range(3):
        setup.calendar.user_adds(f"ev{n}", fields(day=2 + n, title=f"Event {n}"))
    await setup.run()
    setup.calendar.expire_states()
    setup.calendar.pretend_empty = True
    stopped = await setup.run()
    assert stopped.status == "stopped"
    assert stopped.stop_reason == "side_empty"
    await setup.run()
    assert len(await setup.activities()) == 3
    # The host is told once, by e-mail, however often it stops.
    assert await OutboxJob.count().where(OutboxJob.kind == "email") == 1
    # The calendar is back: the next run goes through and nothing was lost. (The
    # empty answer was not built on: an incremental listing since it would be empty.)
    setup.calendar.pretend_empty = False
    setup.calendar.oldest_state = 0
    assert (await setup.run()).status == "done"
    assert len(await setup.activities()) == 3


async def test_barred_operations_never_happen_and_show_as_skipped(setup: Setup) -> None:
    await setup.mode("two_way", barred=["calendar:create"])
    await setup.add_activity(fields(title="Stays here"))
    run = await setup.run()
    assert setup.calendar.writes == 0
    assert [(e.title, e.skipped) for e in run.plan] == [("Stays here", "barred")]


async def test_a_refused_write_is_recorded_once_and_not_tried_again(setup: Setup) -> None:
    setup.calendar.read_only = True
    await setup.add_activity(fields(title="Nowhere to go"))
    run = await setup.run()
    assert [e.code for e in run.errors] == ["provider-write-refused"]
    creates = setup.calendar.calls.count("create")
    again = await setup.run()
    assert setup.calendar.calls.count("create") == creates
    assert [(e.title, e.skipped) for e in again.plan] == [("Nowhere to go", "refused")]


async def test_one_way_pushes_activities_and_imports_nothing(setup: Setup) -> None:
    await setup.mode("one_way")
    setup.calendar.user_adds("ev1", fields(title="Theirs"))
    await setup.add_activity(fields(day=5, title="Ours"))
    run = await setup.run()
    assert run.counts == {"calendar": {"create": 1}}
    assert [a.title for a in await setup.activities()] == ["Ours"]


async def test_an_event_leaving_the_calendar_trashes_its_activity_and_its_return_restores_it(
    setup: Setup,
) -> None:
    event = setup.calendar.user_adds("ev1", fields(title="Moved around"))
    await setup.run()
    setup.calendar.user_deletes("ev1")
    await setup.run()
    assert await setup.activities() == []
    setup.calendar.user_adds("ev1", event.fields)
    await setup.run()
    assert [a.title for a in await setup.activities()] == ["Moved around"]


async def test_the_run_log_lists_runs_newest_first(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields())
    first = await setup.run(dry_run=True)
    second = await setup.run(trigger="auto")
    runs = await repository.runs_of_host(setup.host.id)
    assert [r.id for r in runs] == [second.id, first.id]
    assert runs[0].trigger == "auto"
    assert runs[0].finished_at is not None
    assert runs[0].progress_done == runs[0].progress_total == 1


async def test_a_run_cut_short_still_logs_the_conflicts_it_settled(setup: Setup) -> None:
    """Regression: a run that failed (or died) after resolving a clash logged no
    conflict, so the losing edit vanished without a trace in the run log."""
    setup.calendar.user_adds("ev1", fields(title="Review"))
    await setup.run()
    (activity,) = await setup.activities()
    setup.calendar.user_edits("ev1", title="Review (calendar)")
    await activities.update(setup.host.id, activity.id, ActivityUpdate(title="Review (CRM)"))
    await setup.add_activity(fields(day=3, title="Pushed"))
    setup.calendar.fail_after_write = unavailable()
    run = await setup.run()
    assert run.status == "failed"
    assert [(c["field"], c["crm_value"], c["calendar_value"]) for c in run.conflicts] == [
        ("title", "Review (CRM)", "Review (calendar)")
    ]


async def test_an_activity_made_after_the_newest_was_deleted_gets_an_event_of_its_own(
    setup: Setup,
) -> None:
    """Regression (SQLite handed the deleted newest activity's id to the next one): the
    run took the new activity for the old one edited and rewrote the old event, its
    guests kept, instead of deleting it and making one."""
    older = await setup.add_activity(fields(day=1, title="Older"))
    dentist = await setup.add_activity(fields(title="Dentist"))
    await setup.run()
    (old_event,) = [e for e in setup.calendar.tagged() if e.tag and e.tag.activity_id == dentist]
    setup.calendar.user_edits(old_event.remote_id, guests=(Guest(email="bob@example.com"),))
    await setup.run()
    await activities.delete(setup.host.id, dentist)
    board = await setup.add_activity(fields(day=3, title="Board"))

    run = await setup.run()

    assert board != dentist
    assert run.counts == {"calendar": {"create": 1, "delete": 1}}
    events = {e.tag.activity_id: e for e in setup.calendar.tagged() if e.tag}
    assert set(events) == {older, board}
    assert events[board].remote_id != old_event.remote_id
    assert events[board].fields.title == "Board"
    assert events[board].fields.guests == ()
