"""Records to API shapes by field name."""

from __future__ import annotations

import msgspec
import pytest

from booking.convert import to_schema


class Record(msgspec.Struct, kw_only=True, frozen=True):
    id: int
    name: str
    secret: str


class Shape(msgspec.Struct, kw_only=True):
    id: int
    name: str
    shouted: str


class Plain(msgspec.Struct, kw_only=True):
    id: int
    name: str


def test_fields_come_by_name_and_the_record_keeps_the_rest() -> None:
    record = Record(id=1, name="Ada", secret="never shown")
    assert to_schema(record, Plain) == Plain(id=1, name="Ada")
    assert to_schema(record, Shape, shouted="ADA") == Shape(id=1, name="Ada", shouted="ADA")


def test_a_computed_value_wins_over_the_record_and_a_missing_one_is_an_error() -> None:
    record = Record(id=1, name="Ada", secret="")
    assert to_schema(record, Plain, name="Grace") == Plain(id=1, name="Grace")
    with pytest.raises(msgspec.ValidationError, match="shouted"):
        to_schema(record, Shape)
