"""The date rules every date or time a client sends must pass, and the e-mail address
shortcut that must answer as email_validator does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.errors import InvalidInput
from booking.validation import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_DAYS_AHEAD,
    email,
    in_years,
    plain_address,
    within_reach,
)


@pytest.mark.parametrize(
    "value",
    [
        date(1900, 1, 1),
        date(2200, 12, 31),
        datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(2200, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12))),
    ],
)
def test_the_first_and_last_supported_days_pass(value: date) -> None:
    assert in_years(value, "start") is value


@pytest.mark.parametrize(
    "value",
    [date(1, 1, 1), date(1899, 12, 31), date(2201, 1, 1), datetime(9999, 12, 31, tzinfo=UTC)],
)
def test_other_years_are_refused_naming_the_field(value: date) -> None:
    with pytest.raises(InvalidInput) as refused:
        in_years(value, "horizon_end")
    assert refused.value.field == "horizon_end"
    assert refused.value.detail == "horizon_end: must fall in the years 1900 to 2200."


@given(
    value=st.datetimes(
        min_value=datetime(EARLIEST_YEAR, 1, 1),
        max_value=datetime(LATEST_YEAR, 12, 31, 23, 59),
        timezones=st.timezones(),
    ),
    days=st.integers(min_value=-MAX_DAYS_AHEAD, max_value=MAX_DAYS_AHEAD + 62),
)
def test_a_supported_instant_survives_a_zone_and_the_longest_reach(
    value: datetime, days: int
) -> None:
    # What the services do with a checked value must not overflow (it did at 9999).
    in_years(value, "start")
    shifted = value.astimezone(UTC) + timedelta(days=days)
    assert abs(shifted.year - value.year) <= 4


def test_slots_and_bookings_reach_three_years_ahead() -> None:
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    last = now + timedelta(days=MAX_DAYS_AHEAD)
    assert last.date() == date(2029, 3, 2), "three years, the leap day of 2028 included"
    assert within_reach(last, now, "start") is last
    assert within_reach(now.date(), now.date(), "start") == now.date()
    with pytest.raises(InvalidInput) as refused:
        within_reach(last + timedelta(seconds=1), now, "start")
    assert refused.value.detail == f"start: must be at most {MAX_DAYS_AHEAD} days ahead."
    with pytest.raises(InvalidInput):
        within_reach(date(2029, 3, 3), now.date(), "start")


# -- e-mail addresses ---------------------------------------------------------------------

_ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
_LABEL_CHARS = "abzAZ09-"
_ODD = [".", "..", "@", " ", '"', "\\", "é", "ß", "\u0130", "\u00a0", "[", "<", ">", ",", "\x00"]


def _parts(alphabet: str, *, odd: bool) -> st.SearchStrategy[str]:
    chars = st.sampled_from(list(alphabet) + (_ODD if odd else []))
    return st.lists(chars, min_size=0, max_size=70).map("".join)


_LOCALS = st.one_of(
    _parts(_ATEXT, odd=False),
    _parts(_ATEXT + ".", odd=True),
    st.sampled_from(["info", "Support", "POSTMASTER", "ada.lovelace", "a" * 64, "a" * 65]),
)
_LABELS = st.one_of(
    _parts(_LABEL_CHARS, odd=False).filter(bool),
    _parts(_LABEL_CHARS, odd=True),
    st.sampled_from(["xn--bcher-kva", "xn--abc", "ab--cd", "a" * 63, "a" * 64, "123", "b1"]),
)
_TLDS = st.one_of(
    st.sampled_from(["com", "ORG", "de", "museum", "test", "local", "onion", "arpa", "x", "c0m"]),
    _LABELS,
)
_ADDRESSES = st.one_of(
    st.builds(
        lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
        _LOCALS,
        st.lists(_LABELS, min_size=0, max_size=4),
        _TLDS,
    ),
    st.text(max_size=40),
)


def _library(value: str) -> str | Exception:
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        return exc


@settings(max_examples=3000, deadline=None)
@given(_ADDRESSES)
def test_the_plain_address_shortcut_answers_as_email_validator_does(value: str) -> None:
    plain = plain_address(value)
    expected = _library(value)
    if plain is not None:
        assert plain == expected
    if isinstance(expected, Exception):
        with pytest.raises(InvalidInput) as refused:
            email(value, "guest")
        assert str(expected) in str(refused.value)
    else:
        assert email(value) == expected


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("Ada.Lovelace@Example.COM", "Ada.Lovelace@example.com"),
        ("o'neil+crm@mail.example.org", "o'neil+crm@mail.example.org"),
        ("guest-17@sub.domain.co.uk", "guest-17@sub.domain.co.uk"),
    ],
)
def test_everyday_addresses_take_the_shortcut(value: str, normalised: str) -> None:
    assert plain_address(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "Info@Example.com",
        "ada@xn--bcher-kva.de",
        "ada@site.test",
        "ada@B\u00fccher.de",
        '"a b"@x.com',
    ],
)
def test_addresses_the_library_rewrites_or_refuses_are_left_to_it(value: str) -> None:
    assert plain_address(value) is None
