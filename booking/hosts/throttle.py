"""Sign-in throttling rules: how many password attempts a key (an account, a client
address) gets, and how long it waits after that. Pure: the web layer keeps the records
(in Redis or in memory) and changes each one atomically through :func:`admit`.

Attempts are counted when they *start*, not when they fail. Counting failures would let
a burst of 100 parallel guesses all pass the check before the first one failed; counted
up front, the attempt that uses the last free slot also sets the block, so every other
request of the burst is refused. A successful sign-in then gives its attempt back
(:func:`forgive`), so a real user is never slowed down by their own success.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    #: Attempts allowed back to back; the last of them already sets the first block.
    free_attempts: int
    #: First block, in seconds; each further attempt doubles it, up to ``max_delay``.
    base_delay: float
    max_delay: float
    #: A record nobody touched for this long (and not blocked) is forgotten.
    forget_after: float


#: One account: a handful of tries, then 30 s, 1 min, 2 min ... at most 15 min between
#: guesses. Whoever knows the password waits at most 15 minutes; a guesser gets about
#: five tries an hour (OWASP's authentication cheat sheet: delays over hard lockouts).
ACCOUNT_POLICY = ThrottlePolicy(
    free_attempts=5, base_delay=30.0, max_delay=900.0, forget_after=3600.0
)
#: One client address trying many accounts (password spraying). Looser, because an
#: office or a mobile carrier puts many people behind one address.
CLIENT_POLICY = ThrottlePolicy(
    free_attempts=20, base_delay=30.0, max_delay=900.0, forget_after=3600.0
)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    attempts: int = 0
    #: Epoch seconds before which no attempt is let through (0: not blocked).
    blocked_until: float = 0.0
    last_attempt: float = 0.0


@dataclass(frozen=True, slots=True)
class Admission:
    allowed: bool
    #: Seconds to wait before trying again (0 when allowed).
    retry_after: float
    #: What to store (``None``: delete the record).
    record: AttemptRecord | None


def _delay(attempts: int, policy: ThrottlePolicy) -> float:
    over = attempts - policy.free_attempts
    if over < 0:
        return 0.0
    # Cap the exponent before raising 2 to it: an attacker controls the count.
    return min(policy.max_delay, policy.base_delay * float(2 ** min(over, 32)))


def _current(record: AttemptRecord | None, now: float, policy: ThrottlePolicy) -> AttemptRecord:
    if record is None:
        return AttemptRecord()
    quiet = now - record.last_attempt
    if now >= record.blocked_until and quiet >= policy.forget_after:
        return AttemptRecord()
    return record


def admit(record: AttemptRecord | None, now: float, policy: ThrottlePolicy) -> Admission:
    """May one more attempt go ahead now? Counts it if so.

    >>> p = ThrottlePolicy(free_attempts=2, base_delay=10, max_delay=60, forget_after=600)
    >>> first = admit(None, 0.0, p)
    >>> first.allowed, first.record.blocked_until
    (True, 0.0)
    >>> second = admit(first.record, 1.0, p)
    >>> second.allowed, second.record.blocked_until
    (True, 11.0)
    >>> third = admit(second.record, 5.0, p)
    >>> third.allowed, third.retry_after
    (False, 6.0)
    """
    current = _current(record, now, policy)
    if now < current.blocked_until:
        # Refused attempts are not counted: a legitimate user retrying during the
        # block does not make it longer, and refusing costs no password hash.
        # Capped: (t + 900.0) - t can come out as 900.0000000000002 in floating point,
        # which the page rounds up to "15 min 1 s". At or after t + max_delay the block
        # is over in any case (now + max_delay >= blocked_until when rounded alike).
        return Admission(False, min(current.blocked_until - now, policy.max_delay), current)
    attempts = current.attempts + 1
    delay = _delay(attempts, policy)
    blocked_until = now + delay if delay else 0.0
    return Admission(True, 0.0, AttemptRecord(attempts, blocked_until, now))


def forgive(
    record: AttemptRecord | None, now: float, policy: ThrottlePolicy
) -> AttemptRecord | None:
    """Give back the attempt a successful sign-in used.

    The block that attempt set is lifted when the count falls below the free
    attempts again; a block earned by earlier failures stays.
    """
    current = _current(record, now, policy)
    attempts = max(0, current.attempts - 1)
    if attempts == 0:
        return None
    if attempts < policy.free_attempts:
        return AttemptRecord(attempts, 0.0, current.last_attempt)
    return AttemptRecord(attempts, current.blocked_until, current.last_attempt)


def expires_in(record: AttemptRecord, now: float, policy: ThrottlePolicy) -> float:
    """Seconds after which the stored record may be dropped (it no longer matters)."""
    return max(record.blocked_until, record.last_attempt + policy.forget_after) - now
