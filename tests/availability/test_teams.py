"""Collective and round-robin team slots."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from availability import (
    EventRules,
    InvalidInputError,
    Schedule,
    TeamMember,
    collective_slots,
    compute_slots,
    round_robin_slots,
)
from tests.availability.helpers import block, minutes, utc
from tests.availability.oracle import Scenario
from tests.availability.scenarios import scenarios, to_engine

WHEN = {"now": utc(2024, 1, 1), "window_start": utc(2024, 1, 8), "window_end": utc(2024, 1, 9)}
RULES = EventRules(minutes(60))


def hours(slots: list[datetime]) -> list[int]:
    return [s.hour for s in slots]


@pytest.fixture
def team() -> list[TeamMember]:
    return [
        TeamMember(
            "ana",
            Schedule("UTC", {0: ["09:00-13:00"]}),
            busy=[block(utc(2024, 1, 8, 10), utc(2024, 1, 8, 11))],
        ),
        TeamMember("bo", Schedule("Europe/London", {0: ["10:00-14:00"]})),
        TeamMember(
            "cy",
            Schedule("Europe/Lisbon", {0: ["08:00-12:00"]}),
            existing_bookings=[(utc(2024, 1, 8, 8), utc(2024, 1, 8, 9))],
        ),
    ]


def test_collective_needs_every_host(team: list[TeamMember]) -> None:
    assert hours([s.start for s in collective_slots(team, RULES, **WHEN)]) == [11]
    assert hours([s.start for s in collective_slots(team[:2], RULES, **WHEN)]) == [11, 12]


def test_round_robin_lists_free_hosts_in_given_order(team: list[TeamMember]) -> None:
    got = [(s.slot.start.hour, s.hosts) for s in round_robin_slots(team, RULES, **WHEN)]
    assert got == [
        (8, ("cy",)),
        (9, ("ana", "cy")),
        (10, ("bo", "cy")),
        (11, ("ana", "bo", "cy")),
        (12, ("ana", "bo")),
        (13, ("bo",)),
    ]


def test_limits_apply_per_host(team: list[TeamMember]) -> None:
    rules = EventRules(minutes(60), max_per_day=1)
    got = [(s.slot.start.hour, s.hosts) for s in round_robin_slots(team, rules, **WHEN)]
    assert all("cy" not in hosts for _, hosts in got)


def test_empty_team_and_duplicates(team: list[TeamMember]) -> None:
    assert collective_slots([], RULES, **WHEN) == []
    assert round_robin_slots([], RULES, **WHEN) == []
    with pytest.raises(InvalidInputError, match="twice"):
        collective_slots([team[0], team[0]], RULES, **WHEN)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(scenarios(max_window_hours=24), min_size=1, max_size=3))
def test_teams_agree_with_single_host_slots(found: list[Scenario]) -> None:
    first = found[0]
    _, _, rules = to_engine(first)
    members = []
    singles = []
    for i, sc in enumerate(found):
        schedule, busy, _ = to_engine(sc)
        members.append(TeamMember(f"h{i}", schedule, busy, sc.bookings))
        singles.append(
            compute_slots(
                schedule,
                busy,
                rules,
                now=first.now,
                window_start=first.window_start,
                window_end=first.window_end,
                existing_bookings=sc.bookings,
            )
        )
    when = {"now": first.now, "window_start": first.window_start, "window_end": first.window_end}
    common = set(singles[0]).intersection(*singles[1:])
    assert collective_slots(members, rules, **when) == sorted(common)
    rr = round_robin_slots(members, rules, **when)
    assert [h.slot for h in rr] == sorted(set().union(*singles))
    for hosted in rr:
        assert hosted.hosts == tuple(
            f"h{i}" for i, single in enumerate(singles) if hosted.slot in single
        )
