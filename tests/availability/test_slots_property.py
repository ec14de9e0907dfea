"""compute_slots agrees with the brute-force minute oracle, DST days included."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, event, given, settings

from availability import compute_slots, explain
from tests.availability.oracle import Scenario, oracle_starts
from tests.availability.scenarios import scenarios, to_engine, zone_transitions

DAY = timedelta(days=1)

PROPERTY = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def engine_slots(sc: Scenario) -> list[tuple[object, object]]:
    schedule, busy, rules = to_engine(sc)
    found = compute_slots(
        schedule,
        busy,
        rules,
        now=sc.now,
        window_start=sc.window_start,
        window_end=sc.window_end,
        existing_bookings=sc.bookings,
    )
    return [(s.start, s.end) for s in found]


@PROPERTY
@given(scenarios())
def test_slots_match_the_minute_oracle(sc: Scenario) -> None:
    expected = [(s, s + timedelta(minutes=sc.duration)) for s in oracle_starts(sc)]
    near = [t for t in zone_transitions(sc.zone) if sc.window_start - DAY < t < sc.window_end + DAY]
    event("has slots" if expected else "no slots")
    if near and expected:
        event("slots on a DST-transition day")
        if any(abs(s - t) < timedelta(hours=3) for s, _ in expected for t in near):
            event("a slot within 3 hours of a transition")
    assert engine_slots(sc) == expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_window_hours=36, dst_focus=True))
def test_dst_days_match_the_minute_oracle(sc: Scenario) -> None:
    expected = [(s, s + timedelta(minutes=sc.duration)) for s in oracle_starts(sc)]
    event("has slots" if expected else "no slots")
    assert engine_slots(sc) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_window_hours=24))
def test_explain_is_empty_exactly_at_slot_starts(sc: Scenario) -> None:
    schedule, busy, rules = to_engine(sc)
    starts = set(oracle_starts(sc))
    minute = timedelta(minutes=1)
    moment = sc.window_start
    while moment < sc.window_end:
        reasons = explain(
            schedule, busy, rules, now=sc.now, at=moment, existing_bookings=sc.bookings
        )
        assert (reasons == []) == (moment in starts), (moment, reasons)
        moment += minute * 7 if moment not in starts else minute
