"""Sign-in throttling rules, against a model of what a guesser may get away with."""

from __future__ import annotations

import doctest

from hypothesis import example, given
from hypothesis import strategies as st

from booking.hosts import throttle
from booking.hosts.throttle import (
    ACCOUNT_POLICY,
    AttemptRecord,
    ThrottlePolicy,
    admit,
    expires_in,
    forgive,
)

POLICY = ThrottlePolicy(free_attempts=3, base_delay=10.0, max_delay=80.0, forget_after=600.0)


def run(times: list[float], policy: ThrottlePolicy = POLICY) -> list[tuple[float, bool, float]]:
    record: AttemptRecord | None = None
    outcomes = []
    for now in times:
        admission = admit(record, now, policy)
        record = admission.record
        outcomes.append((now, admission.allowed, admission.retry_after))
    return outcomes


def test_a_few_attempts_go_through_then_the_wait_doubles_up_to_the_cap() -> None:
    record: AttemptRecord | None = None
    waits = []
    now = 0.0
    for _ in range(8):
        admission = admit(record, now, POLICY)
        assert admission.allowed
        record = admission.record
        refused = admit(record, now, POLICY)
        waits.append(refused.retry_after)
        now += refused.retry_after  # come back exactly when allowed
    # The 3rd attempt uses the last free one and already sets the first block.
    assert waits == [0.0, 0.0, 10.0, 20.0, 40.0, 80.0, 80.0, 80.0]


def test_a_refused_attempt_does_not_lengthen_the_block() -> None:
    state = None
    for now in (0.0, 1.0, 2.0):  # the third sets a 10 s block from t=2
        state = admit(state, now, POLICY).record
    for now in (3.0, 5.0, 11.0):
        admission = admit(state, now, POLICY)
        assert not admission.allowed
        assert admission.retry_after == 12.0 - now
        assert admission.record == state
    assert admit(state, 12.0, POLICY).allowed


def test_quiet_for_long_enough_starts_afresh() -> None:
    outcomes = run([0, 1, 2, 2 + 10 + 600, 613, 614])
    assert [allowed for _, allowed, _ in outcomes] == [True, True, True, True, True, True]


def test_success_gives_back_its_attempt_and_lifts_the_block_it_set() -> None:
    state = None
    for now in (0.0, 1.0, 2.0):
        state = admit(state, now, POLICY).record
    assert state is not None
    assert state.blocked_until == 12.0
    forgiven = forgive(state, 2.0, POLICY)
    assert forgiven == AttemptRecord(attempts=2, blocked_until=0.0, last_attempt=2.0)
    assert forgive(AttemptRecord(1, 0.0, 0.0), 1.0, POLICY) is None


def test_the_record_lives_as_long_as_it_matters() -> None:
    record = AttemptRecord(attempts=9, blocked_until=500.0, last_attempt=100.0)
    assert expires_in(record, 100.0, POLICY) == 600.0  # forget_after from the last try
    record = AttemptRecord(attempts=9, blocked_until=5000.0, last_attempt=100.0)
    assert expires_in(record, 100.0, POLICY) == 4900.0  # until the block ends


def test_an_absurd_count_does_not_overflow() -> None:
    record = AttemptRecord(attempts=10**9, blocked_until=0.0, last_attempt=0.0)
    admission = admit(record, 1.0, ACCOUNT_POLICY)
    assert admission.allowed
    assert admission.record is not None
    assert admission.record.blocked_until == 1.0 + ACCOUNT_POLICY.max_delay


@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), min_size=1, max_size=60))
def test_no_schedule_of_attempts_beats_the_budget(offsets: list[float]) -> None:
    """However a guesser times their attempts, between two admitted attempts beyond the
    free ones lies at least the base delay, and at most ``free_attempts`` go through
    back to back."""
    times = sorted(offsets)
    admitted = [now for now, allowed, _ in run(times) if allowed]
    # The oracle: in any window shorter than the base delay, at most free_attempts.
    for i, start in enumerate(admitted):
        inside = [t for t in admitted[i:] if t - start < POLICY.base_delay]
        assert len(inside) <= POLICY.free_attempts


@given(st.lists(st.floats(min_value=0, max_value=5000, allow_nan=False), max_size=60))
# Found by CI: the block set at t = 1968.84... was (t + 80) - t = 80.00000000000023 long.
@example([0.0, 0.0, 171.0, 770.0, 1369.0, 1968.8413336392948, 1968.8413336392948])
def test_a_refusal_always_says_when_to_come_back(offsets: list[float]) -> None:
    record: AttemptRecord | None = None
    for now in sorted(offsets):
        admission = admit(record, now, POLICY)
        if admission.allowed:
            assert admission.retry_after == 0
        else:
            assert 0 < admission.retry_after <= POLICY.max_delay
            assert admit(admission.record, now + admission.retry_after, POLICY).allowed
        record = admission.record


def test_docstring_examples() -> None:
    result = doctest.testmod(throttle)
    assert result.attempted > 0
    assert result.failed == 0
