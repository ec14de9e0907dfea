"""Database helpers shared by the repositories of every booking concern."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from booking.errors import AlreadyExists


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint failure on either supported database.

    SQLite reports every constraint failure as ``IntegrityError``; only the message
    tells a UNIQUE failure from a NOT NULL or CHECK one.
    """
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


def violated_constraint(exc: BaseException) -> str:
    """Best-effort name of what was violated (constraint or ``table.column``)."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return exc.constraint_name or ""
    # SQLite: "UNIQUE constraint failed: host.slug"
    return str(exc).rsplit(":", 1)[-1].strip()


@contextmanager
def unique_as(mapping: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Turn a unique violation into :class:`AlreadyExists` naming the field.

    ``mapping`` maps a fragment of the constraint name / ``table.column`` to
    ``(field, message)``; the first fragment found in the violation wins.
    """
    try:
        yield
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        where = violated_constraint(exc)
        for fragment, (field, message) in mapping.items():
            if fragment in where:
                raise AlreadyExists(field, message) from exc
        raise AlreadyExists("", "This record already exists.") from exc
