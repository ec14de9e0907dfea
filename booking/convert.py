"""From a typed record to an API shape, by field name."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

__all__ = ["to_schema"]

S = TypeVar("S", bound=msgspec.Struct)


def to_schema(record: object, schema: type[S], **computed: Any) -> S:
    """``schema`` built from ``record``'s attributes of the same names, plus
    ``computed`` for the fields the record does not hold (links, derived flags).

    Without ``computed`` this is ``msgspec.convert(record, schema, from_attributes=True)``;
    nested records convert the same way, and the schema's constraints are checked.
    """
    if not computed:
        return msgspec.convert(record, schema, from_attributes=True)
    fields = {
        name: getattr(record, name)
        for name in schema.__struct_fields__
        if name not in computed and hasattr(record, name)
    }
    return msgspec.convert({**fields, **computed}, schema, from_attributes=True)
