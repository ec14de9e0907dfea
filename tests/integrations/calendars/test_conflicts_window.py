"""Finding a calendar's blocks in a window by bisection gives what testing every block
gives (the brute-force oracle), for any blocks, empty and long ones included."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from availability import BusyBlock
from integrations.calendars.conflicts import SortedBlocks

BASE = datetime(2026, 3, 1, tzinfo=UTC)
minutes = st.integers(min_value=-3000, max_value=3000).map(lambda m: timedelta(minutes=m))
blocks = st.lists(
    st.tuples(minutes, st.integers(min_value=0, max_value=2000)).map(
        lambda b: BusyBlock(BASE + b[0], BASE + b[0] + timedelta(minutes=b[1]), "cal")
    ),
    max_size=60,
)


@given(blocks=blocks, start=minutes, end=minutes)
def test_the_window_holds_exactly_the_overlapping_blocks(
    blocks: list[BusyBlock], start: timedelta, end: timedelta
) -> None:
    window_start, window_end = BASE + start, BASE + end
    expected = [b for b in blocks if b.start < window_end and b.end > window_start]
    found = SortedBlocks(blocks).overlapping(window_start, window_end)
    assert Counter(map(id, found)) == Counter(map(id, expected))


def test_a_window_in_another_zone_is_the_same_instant() -> None:
    block = BusyBlock(BASE, BASE + timedelta(hours=1), "cal")
    berlin = datetime(2026, 3, 1, 1, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert SortedBlocks([block]).overlapping(berlin, berlin + timedelta(hours=1)) == [block]
