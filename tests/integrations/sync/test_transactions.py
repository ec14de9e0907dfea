"""Create ids recorded before they are sent (integrations/sync/transactions.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.sync import transactions
from integrations.sync.actions import CreateEvent, DeleteEvent, UpdateActivity
from integrations.sync.items import EventFields

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
