"""Create ids a run is about to send, recorded before it sends them.

Graph chooses event ids itself; a create carries ours as ``transactionId``, and Graph
answers a POST whose transactionId a live event already holds with that event (maybe
one the host moved to another calendar, with whatever it carries now), nothing in the
answer telling it from a new one. So an id sent once is spent: a create that sends it
again must read back what it got. An id never sent before can only make the event it
describes, and that create's answer is the event.

The engine records the ids of a run of consecutive creates in one transaction,
committed before the first of them is sent; the ids that were not recorded already
are *fresh* (``LinkedCalendar.create(..., fresh=True)``). Recorded first, sent after:
a crash in between, a lost answer, a retry, a re-create all find the id spent. Rows
are never removed (an activity's id is the same forever and never handed out again,
booking_0014; one SQLite reused before that is the same string, so spent too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from booking.db import batches, run_sql, values_list, write_transaction
from integrations.sync.actions import Action, CreateEvent
from integrations.sync.tables import SyncTransaction

__all__ = ["creates_ahead", "spend"]


def creates_ahead(actions: Iterable[Action]) -> dict[str, tuple[str, ...]]:
    """For each create's id, the ids of the run of consecutive creates it belongs to,
    from itself on (in plan order): what to record when it comes first."""
    ahead: dict[str, tuple[str, ...]] = {}
    streak: list[str] = []

    def close() -> None:
        for i, remote_id in enumerate(streak):
            ahead.setdefault(remote_id, tuple(streak[i:]))
        streak.clear()

    for action in actions:
        if isinstance(action, CreateEvent):
            streak.append(action.remote_id)
        else:
            close()
    close()
    return ahead


async def spend(transaction_ids: Sequence[str]) -> set[str]:
    """Record the ids as spent, in one committed transaction; return those that were
    not recorded before (never sent by anyone of this installation)."""
    fresh: set[str] = set()
    ids = list(dict.fromkeys(transaction_ids))
    if not ids:
        return fresh
    async with write_transaction():
        for chunk in batches(ids):
            rows = await run_sql(
                SyncTransaction,
                "INSERT INTO sync_transaction (transaction_id) VALUES "  # noqa: S608
                + values_list(len(chunk), 1)
                + " ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id",
                *chunk,
            )
            fresh.update(str(row["transaction_id"]) for row in rows)
    return fresh
