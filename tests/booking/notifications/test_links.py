from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.notifications.links import sign, verify

SECRET = b"k" * 32
UID = "bk_7f3a"


def test_valid_token_verifies() -> None:
    token = sign(SECRET, UID, "cancel")

    assert verify(SECRET, UID, "cancel", token)


def test_token_is_url_safe_short_and_at_least_128_bits() -> None:
    token = sign(SECRET, UID, "reschedule")

    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)  # 22 base64 chars carry 128+ bits
    assert sign(SECRET, UID, "reschedule") == token  # nothing stored: it is recomputed


@pytest.mark.parametrize(
    ("secret", "uid", "action"),
    [
        (SECRET, UID, "reschedule"),  # wrong action
        (SECRET, "bk_7f3b", "cancel"),  # wrong booking
        (b"other" * 8, UID, "cancel"),  # other secret
    ],
)
def test_token_is_bound_to_secret_uid_and_action(secret: bytes, uid: str, action: str) -> None:
    token = sign(SECRET, UID, "cancel")

    assert not verify(secret, uid, action, token)


def test_tampered_tokens_fail() -> None:
    token = sign(SECRET, UID, "cancel")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert not verify(SECRET, UID, "cancel", flipped)
    assert not verify(SECRET, UID, "cancel", token[:-1])
    assert not verify(SECRET, UID, "cancel", token + "A")
    assert not verify(SECRET, UID, "cancel", "")


@pytest.mark.parametrize("garbage", ["é" * 22, "\udcff" * 22, "%00" * 8, "=" * 22])
def test_garbage_from_a_url_is_refused_not_raised(garbage: str) -> None:
    assert not verify(SECRET, UID, "cancel", garbage)


def test_action_with_a_separator_is_refused() -> None:
    # ("a:b", uid) and ("a", "b:" + uid) would otherwise share a token.
    with pytest.raises(ValueError, match="action"):
        sign(SECRET, UID, "cancel:now")


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        sign(b"", UID, "cancel")


@given(uid=st.text(), other=st.text())
def test_any_uid_round_trips_and_is_unique(uid: str, other: str) -> None:
    token = sign(SECRET, uid, "cancel")

    assert verify(SECRET, uid, "cancel", token)
    assert verify(SECRET, other, "cancel", token) == (other == uid)
