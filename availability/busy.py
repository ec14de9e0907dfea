"""Busy blocks and their merge into disjoint intervals.

A busy block is a half-open UTC interval ``[start, end)`` during which a host is not
free, labelled with the calendar (or other source) it came from. Blocks are only ever
*busy*: provider events that mean "free" never become blocks (see
:mod:`availability.classify`). The ``tentative`` flag is information for hosts (it
shows in :func:`availability.explain.explain`); a tentative block blocks exactly like
any other, because the calendar's "tentative blocks" switch was already applied when
the block was classified.

>>> from datetime import datetime, UTC
>>> a = BusyBlock(datetime(2024, 1, 8, 9, tzinfo=UTC), datetime(2024, 1, 8, 10, tzinfo=UTC), "work")
>>> b = BusyBlock(datetime(2024, 1, 8, 9, 30, tzinfo=UTC), datetime(2024, 1, 8, 11, tzinfo=UTC),
...               "home", tentative=True, title="Dentist")
>>> merge_busy([b, a])
([1704704400.0], [1704711600.0])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from availability.errors import InvalidInputError
from availability.intervals import as_utc

__all__ = ["BusyBlock", "merge_busy"]


@dataclass(frozen=True, slots=True)
class BusyBlock:
    """A half-open busy interval ``[start, end)`` in UTC.

    ``start`` and ``end`` must be timezone-aware; they are stored converted to UTC.
    ``start == end`` is allowed and blocks nothing; ``end < start`` is refused.
    ``title`` is ``None`` for private and confidential events (and for free/busy data,
    which has no titles): the engine never needs it, hosts may see it.
    """

    start: datetime
    end: datetime
    source: str
    tentative: bool = False
    title: str | None = None

    def __post_init__(self) -> None:
        # Normalising to the one UTC singleton keeps every later comparison on
        # CPython's fast same-tzinfo path (no utcoffset() calls while sorting).
        start = as_utc(self.start, "BusyBlock.start")
        end = as_utc(self.end, "BusyBlock.end")
        if end < start:
            raise InvalidInputError(f"BusyBlock ends before it starts: {start} > {end}")
        if start is not self.start:
            object.__setattr__(self, "start", start)
        if end is not self.end:
            object.__setattr__(self, "end", end)


_START = attrgetter("start")


def merge_busy(blocks: Iterable[BusyBlock]) -> tuple[list[float], list[float]]:
    """Merge blocks into sorted, disjoint, non-empty intervals of epoch seconds.

    Returns ``(starts, ends)``: two parallel ascending lists, ready for bisection.
    Overlapping and touching blocks merge (their union is what blocks); empty blocks
    vanish. One sort on the start datetime, then one linear pass.
    """
    ordered = sorted(blocks, key=_START)
    starts: list[float] = []
    ends: list[float] = []
    if not ordered:
        return starts, ends
    first = ordered[0]
    cur_start = first.start
    cur_end = first.end
    for block in ordered:
        start = block.start
        if start > cur_end:
            # An empty block can open a run that nothing extends; drop it here.
            if cur_start < cur_end:
                starts.append(cur_start.timestamp())
                ends.append(cur_end.timestamp())
            cur_start = start
            cur_end = block.end
        else:
            end = block.end
            if end > cur_end:
                cur_end = end
    if cur_start < cur_end:
        starts.append(cur_start.timestamp())
        ends.append(cur_end.timestamp())
    return starts, ends
