"""The sync tables' queries against the real database (both engines): status rows
saved many at a time as if one after the other, the mirror's upsert."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.sync import repository
from integrations.sync.status import StatusRow
from integrations.sync.tables import SyncLink
from tests.integrations.sync.conftest import Setup
from tests.integrations.sync.helpers import mirrored as item
from tests.integrations.sync.helpers import status_row as row

pytestmark = pytest.mark.usefixtures("db")


def _one_by_one(rows: list[StatusRow]) -> dict[tuple[int, str], StatusRow]:
    """The oracle: save_link's rule, a row replaces any with either of its ids."""
    kept: list[StatusRow] = []
    for new in rows:
        kept = [
            r for r in kept if r.activity_id != new.activity_id and r.remote_id != new.remote_id
        ]
        kept.append(new)
    return {(r.activity_id, r.remote_id): r for r in kept}


pairs = st.lists(
    st.tuples(st.integers(1, 6), st.sampled_from("abcdef"), st.sampled_from(["x", "y"])),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=pairs, batch=pairs)
async def test_save_links_is_saving_each_row_in_turn(
    setup: Setup, before: list[tuple[int, str, str]], batch: list[tuple[int, str, str]]
) -> None:
    calendar = setup.calendar_id
    await SyncLink.delete().where(SyncLink.calendar == calendar)
    for args in before:
        await repository.save_link(calendar, row(*args))

    await repository.save_links(calendar, [row(*args) for args in batch])

    expected = _one_by_one([row(*args) for args in [*before, *batch]])
    assert {(r.activity_id, r.remote_id): r for r in await repository.links(calendar)} == expected


async def test_mirror_put_inserts_or_replaces_by_remote_id(setup: Setup) -> None:
    calendar = setup.calendar_id
    await repository.mirror_put(calendar, [item("a", "1"), item("b", "1")])
    # Of two items with one id, the later counts.
    await repository.mirror_put(calendar, [item("b", "2"), item("c", "1"), item("c", "3")])
    await repository.mirror_put(calendar, [])

    mirrored = sorted(await repository.mirror(calendar), key=lambda i: i.remote_id)
    assert mirrored == [item("a", "1"), item("b", "2"), item("c", "3")]
