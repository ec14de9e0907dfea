"""Merging busy blocks."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from availability import BusyBlock, merge_busy
from tests.availability.helpers import utc

T0 = utc(2024, 1, 8)


def b(start: int, end: int) -> BusyBlock:
    return BusyBlock(T0 + timedelta(minutes=start), T0 + timedelta(minutes=end), "x")


def m(values: list[tuple[int, int]]) -> tuple[list[float], list[float]]:
    base = T0.timestamp()
    return [base + s * 60 for s, _ in values], [base + e * 60 for _, e in values]


def test_empty() -> None:
    assert merge_busy([]) == ([], [])


def test_overlapping_touching_and_separate() -> None:
    blocks = [b(50, 60), b(0, 10), b(5, 20), b(20, 30), b(40, 45)]
    assert merge_busy(blocks) == m([(0, 30), (40, 45), (50, 60)])


def test_contained_and_empty_blocks() -> None:
    blocks = [b(0, 100), b(10, 20), b(200, 200), b(100, 100), b(150, 150), b(150, 160)]
    assert merge_busy(blocks) == m([(0, 100), (150, 160)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 60)), max_size=40))
def test_merge_covers_exactly_the_union(raw: list[tuple[int, int]]) -> None:
    blocks = [b(s, s + n) for s, n in raw]
    random.Random(len(raw)).shuffle(blocks)
    starts, ends = merge_busy(blocks)
    base = T0.timestamp()
    covered = {minute for s, n in raw for minute in range(s, s + n)}
    merged = {
        minute
        for a, z in zip(starts, ends, strict=True)
        for minute in range(int((a - base) // 60), int((z - base) // 60))
    }
    assert merged == covered
    assert all(a < z for a, z in zip(starts, ends, strict=True))
    assert all(z < a for z, a in zip(ends, starts[1:], strict=False))  # disjoint, not touching
