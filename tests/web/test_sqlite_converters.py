"""Our INTEGER and TIMESTAMPTZ read converters answer exactly what piccolo's do, for
any bytes sqlite3 may hand them (errors included), and they are the ones in place."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from piccolo.engine import sqlite as piccolo_sqlite

from web import database, sqlite_converters


def outcome(convert: Callable[[bytes], Any], value: bytes) -> tuple[Any, ...]:
    try:
        answer = convert(value)
    except Exception as exc:  # which exception is part of what is compared
        return ("raised", type(exc))
    if isinstance(answer, datetime):
        return ("datetime", answer, answer.tzinfo, answer.fold)
    return (type(answer), answer)


def spelled(number: int) -> st.SearchStrategy[str]:
    """The ways an integer (or a number that is one) can sit in an INTEGER column."""
    return st.sampled_from(
        [
            str(number),
            f"+{number}",
            f" {number}\n",
            f"{number:_}",
            f"{number}.0",
            f"{number}e0",
            f"{number}.5",
        ]
    )


texts = st.text(max_size=12).map(lambda t: t.encode("utf8", "surrogatepass"))


@given(st.integers().flatmap(spelled).map(str.encode) | texts | st.binary(max_size=8))
@example(b"1.0")
@example(b"\xff")
@example(b"")
def test_integer_reads_as_piccolo_reads_it(value: bytes) -> None:
    assert outcome(sqlite_converters.integer, value) == outcome(
        piccolo_sqlite.convert_int_out, value
    )


zones = st.sampled_from(
    [
        None,
        UTC,
        timezone(timedelta(0)),
        timezone(timedelta(hours=2)),
        timezone(-timedelta(minutes=90)),
    ]
)


@given(
    st.datetimes(timezones=zones)
    .flatmap(
        lambda moment: st.sampled_from(
            [
                moment.isoformat(sep=" "),
                moment.isoformat(),
                str(moment),
                moment.isoformat("T", "seconds"),
            ]
        )
    )
    .map(str.encode)
    | texts
    | st.binary(max_size=30)
)
@example(b"2026-12-02 10:00:00+00:00")
@example(b"2026-12-02 10:00:00+02:00")
@example(b"2026-12-02 10:00:00")
@example(b"2026-12-02")
@example(b"\xff")
def test_timestamptz_reads_as_piccolo_reads_it(value: bytes) -> None:
    assert outcome(sqlite_converters.timestamptz, value) == outcome(
        piccolo_sqlite.convert_timestamptz_out, value
    )


def test_the_app_reads_with_them() -> None:
    assert database.sqlite_converters is sqlite_converters
    assert sqlite3.converters["INTEGER"] is sqlite_converters.integer
    assert sqlite3.converters["TIMESTAMPTZ"] is sqlite_converters.timestamptz
