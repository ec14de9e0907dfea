"""The records of confirmed remote writes: a group committed set-based leaves the
database as the writes one by one would have (both engines), and the background
recorder commits what was confirmed during a commit together, in order."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.sync import repository
from integrations.sync.items import CalendarItem
from integrations.sync.recorder import Recorder, WriteRecord, commit, segments
from integrations.sync.status import StatusRow
from integrations.sync.tables import SyncLink, SyncMirror
from tests.integrations.sync.conftest import Setup
from tests.integrations.sync.helpers import mirrored as item
from tests.integrations.sync.helpers import status_row as row

activity_ids = st.integers(1, 4)
remote_ids = st.sampled_from("abcd")
etags = st.sampled_from(["x", "y", "z"])
# What the engine's remote writes leave: a create (a row and its event, maybe ending
# the pair it re-creates), an update (row and event), a delete (a pair ended, the event
# dropped), and any other mix, so that the order inside a group is put to the test.
records = st.builds(
    WriteRecord,
    forget=st.none() | st.tuples(activity_ids, remote_ids),
    row=st.none() | st.builds(row, activity_ids, remote_ids, etags),
    event=st.none() | st.builds(item, remote_ids, etags),
    dropped=st.none() | remote_ids,
)


async def _one_by_one(calendar: int, record: WriteRecord) -> None:
    """The oracle: what each remote write recorded alone, before records were grouped."""
    if record.forget is not None:
        await repository.forget_link(calendar, *record.forget)
    if record.row is not None:
        await repository.save_link(calendar, record.row)
    if record.event is not None:
        await repository.mirror_put(calendar, [record.event])
    if record.dropped is not None:
        await repository.mirror_drop(calendar, [record.dropped])


async def _state(
    calendar: int,
) -> tuple[dict[tuple[int, str], StatusRow], dict[str, CalendarItem]]:
    return (
        {(r.activity_id, r.remote_id): r for r in await repository.links(calendar)},
        {i.remote_id: i for i in await repository.mirror(calendar)},
    )


async def _reset(calendar: int, before: list[WriteRecord]) -> None:
    await SyncLink.delete().where(SyncLink.calendar == calendar)
    await SyncMirror.delete().where(SyncMirror.calendar == calendar)
    for record in before:
        await _one_by_one(calendar, record)


@pytest.mark.usefixtures("db")
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=st.lists(records, max_size=6), group=st.lists(records, max_size=10))
async def test_a_group_commits_as_its_writes_one_by_one(
    setup: Setup, before: list[WriteRecord], group: list[WriteRecord]
) -> None:
    calendar = setup.calendar_id
    await _reset(calendar, before)
    for record in group:
        await _one_by_one(calendar, record)
    expected = await _state(calendar)

    await _reset(calendar, before)
    await commit(calendar, group)

    assert await _state(calendar) == expected


def test_a_segment_never_touches_an_id_twice() -> None:
    create_a = WriteRecord(row=row(1, "a", "x"), event=item("a", "x"))
    create_b = WriteRecord(row=row(2, "b", "x"), event=item("b", "x"))
    delete_a = WriteRecord(forget=(1, "a"), dropped="a")
    update_c = WriteRecord(row=row(3, "c", "y"), event=item("c", "y"))
    recreate_c = WriteRecord(forget=(3, "c"), row=row(3, "d", "x"), event=item("d", "x"))
    update_b = WriteRecord(row=row(2, "b", "y"), event=item("b", "y"))

    assert list(segments([create_a, create_b, delete_a, update_c, recreate_c, update_b])) == [
        [create_a, create_b],
        [delete_a, update_c],
        [recreate_c, update_b],
    ]
    assert list(segments([])) == []


async def test_records_confirmed_while_a_commit_runs_commit_next_together_in_order() -> None:
    groups: list[list[str]] = []

    async def commit_group(group: list[WriteRecord]) -> None:
        groups.append([r.dropped or "" for r in group])
        await asyncio.sleep(0.01)  # the commit, waiting for the disk

    recorder = Recorder(commit_group, gather=0)
    recorder.add(WriteRecord(dropped="first"))
    await asyncio.sleep(0)  # its commit has begun
    for name in ("second", "third"):
        recorder.add(WriteRecord(dropped=name))
    await recorder.drain()
    recorder.add(WriteRecord(dropped="fourth"))
    await recorder.drain()

    assert groups == [["first"], ["second", "third"], ["fourth"]]


async def test_records_gather_until_enough_came_or_the_run_drains() -> None:
    groups: list[list[str]] = []
    committed = asyncio.Event()

    async def commit_group(group: list[WriteRecord]) -> None:
        groups.append([r.dropped or "" for r in group])
        committed.set()

    # A gathering window far longer than the test: only ``most`` or the drain end it.
    recorder = Recorder(commit_group, gather=3600, most=3)
    for name in "abc":
        recorder.add(WriteRecord(dropped=name))
    await asyncio.wait_for(committed.wait(), 10)
    assert groups == [["a", "b", "c"]]
    for name in "de":
        recorder.add(WriteRecord(dropped=name))
    for _ in range(10):
        await asyncio.sleep(0)
    assert groups == [["a", "b", "c"]]  # two are not enough: they wait
    await recorder.drain()
    assert groups == [["a", "b", "c"], ["d", "e"]]
    await recorder.drain()  # nothing pending: nothing to commit
    assert len(groups) == 2


async def test_a_commit_that_fails_fails_the_next_record_or_the_drain() -> None:
    async def fails(group: list[WriteRecord]) -> None:
        raise RuntimeError("disk full")

    recorder = Recorder(fails, gather=0)
    recorder.add(WriteRecord(dropped="a"))
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="disk full"):
        recorder.add(WriteRecord(dropped="b"))
    recorder = Recorder(fails)
    recorder.add(WriteRecord(dropped="a"))
    with pytest.raises(RuntimeError, match="disk full"):
        await recorder.drain()
