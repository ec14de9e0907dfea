"""SQL text run past piccolo's compiler: the same rows and values as piccolo's own
query on both engines, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booking.db import _native, run_sql, values_list, write_transaction
from booking.hosts.tables import Host


def test_placeholders_become_the_engines_own() -> None:
    template = "INSERT INTO t (a, b) VALUES " + values_list(2, 2) + " RETURNING id"  # noqa: S608
    assert _native(template, "sqlite") == "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) RETURNING id"
    assert (
        _native(template, "postgres")
        == "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) RETURNING id"
    )
    assert _native("SELECT 1", "postgres") == "SELECT 1"


@pytest.mark.usefixtures("db")
async def test_run_sql_binds_values_as_piccolo_does() -> None:
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    rows = await run_sql(
        Host,
        "INSERT INTO host (email, name, slug, time_zone, created_at) VALUES "  # noqa: S608
        + values_list(2, 5)
        + " RETURNING id",
        *("a@example.com", "O'Brien {}", "a", "UTC", made),
        *("b@example.com", "B", "b", "Europe/Paris", made),
    )
    assert len(rows) == 2
    stored = await Host.select(Host.email, Host.name, Host.created_at).order_by(Host.email)
    assert stored == [
        {"email": "a@example.com", "name": "O'Brien {}", "created_at": made},
        {"email": "b@example.com", "name": "B", "created_at": made},
    ]


@pytest.mark.usefixtures("db")
async def test_run_sql_writes_in_the_callers_transaction() -> None:
    async def insert_then_fail() -> None:
        async with write_transaction():
            await run_sql(
                Host,
                "INSERT INTO host (email, name, slug, time_zone) VALUES ({}, {}, {}, {})",
                *("c@example.com", "C", "c", "UTC"),
            )
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError, match="rolled back"):
        await insert_then_fail()
    assert await Host.count() == 0
