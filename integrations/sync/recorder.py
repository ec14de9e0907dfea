"""What a confirmed remote write leaves in our database, and its commit in the background.

A run's remote writes go one after another; what each leaves (its status row, the
event as the provider returned it, a row or an event it ends) is a ``WriteRecord``.
The ``Recorder`` commits them in groups while the next provider calls run. A
group is written set-based (one statement per kind, not three per write): committed
one by one, the records of a 1,000-event push cost the database more than the
provider calls took, and the calls waited for them.

A crash may lose the records of one group; each recovers as any
crash between a write and its commit does (client-chosen ids, adoption by our tag).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

from booking.db import write_transaction
from integrations.sync import repository
from integrations.sync.items import CalendarItem
from integrations.sync.status import StatusRow

__all__ = ["Recorder", "WriteRecord", "commit", "segments"]


@dataclass(frozen=True, slots=True)
class WriteRecord:
    """What one confirmed remote write leaves in the database."""

    #: A status row the write ends (activity id, remote id): a re-create's old pair, a
    #: deleted event's pair.
    forget: tuple[int, str] | None = None
    #: The pair's new status row.
    row: StatusRow | None = None
    #: The event as the provider returned it (for the mirror).
    event: CalendarItem | None = None
    #: An event the write deleted (it leaves the mirror).
    dropped: str | None = None

    def keys(self) -> Iterator[tuple[str, int | str]]:
        """The activity and remote ids whose rows the record touches."""
        if self.forget is not None:
            yield "activity", self.forget[0]
            yield "remote", self.forget[1]
        if self.row is not None:
            yield "activity", self.row.activity_id
            yield "remote", self.row.remote_id
        if self.event is not None:
            yield "remote", self.event.remote_id
        if self.dropped is not None:
            yield "remote", self.dropped


def segments(records: Sequence[WriteRecord]) -> Iterator[list[WriteRecord]]:
    """The records in consecutive runs that touch no id twice: within one, the order of
    the writes does not matter, so each kind of write can be one statement; a record
    that touches an id an earlier one of its run touched starts the next run."""
    run: list[WriteRecord] = []
    seen: set[tuple[str, int | str]] = set()
    for record in records:
        keys = set(record.keys())
        if keys & seen:
            yield run
            run, seen = [], set()
        run.append(record)
        seen |= keys
    if run:
        yield run


async def commit(calendar_id: int, records: Sequence[WriteRecord]) -> None:
    """The records in one transaction, as if written one by one in order."""
    async with write_transaction():
        for run in segments(records):
            forgotten = [r.forget for r in run if r.forget is not None]
            if forgotten:
                await repository.forget_links(calendar_id, forgotten)
            await repository.save_links(calendar_id, [r.row for r in run if r.row is not None])
            await repository.mirror_put(calendar_id, [r.event for r in run if r.event is not None])
            dropped = [r.dropped for r in run if r.dropped is not None]
            if dropped:
                await repository.mirror_drop(calendar_id, dropped)


class Recorder:
    """Commits records in the background (``commit`` writes one group).

    A group is what was confirmed during the last commit, or for at most ``gather``
    seconds after its first record, or ``most`` records, whichever ends first: each
    commit waits for the disk (SQLite) and takes the GIL from the next provider call,
    and a commit per write or two, as "at once when the database is free" came to on
    loopback, was a third of a 1,000-event push. A crash loses at most one group, as a
    crash between a write and its commit would."""

    def __init__(
        self,
        commit: Callable[[list[WriteRecord]], Awaitable[None]],
        *,
        gather: float = 0.02,
        most: int = 250,
    ) -> None:
        self._commit_group = commit
        self._gather = gather
        self._most = most
        self._pending: list[WriteRecord] = []
        self._task: asyncio.Task[None] | None = None
        self._full = asyncio.Event()

    def add(self, record: WriteRecord) -> None:
        if self._task is not None and self._task.done():
            task, self._task = self._task, None
            task.result()  # a commit that failed fails the run here, as it did alone
        self._pending.append(record)
        if len(self._pending) >= self._most:
            self._full.set()
        if self._task is None:
            self._task = asyncio.create_task(self._commit())

    async def _commit(self) -> None:
        while self._pending:
            if self._gather > 0 and not self._full.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self._gather)
            self._full.clear()
            records, self._pending = self._pending, []
            await self._commit_group(records)

    async def drain(self) -> None:
        """Commit what is pending now, and wait until every record added is committed
        (or raise why one was not)."""
        task, self._task = self._task, None
        if task is not None:
            self._full.set()
            await task
