"""The database floor of a sync run: the rows the run changed, written again by bare
sqlite3 into a copy of the database as it was before the run.

An import has to store what it imports (an activity, a status row and a mirror row an
event, and contacts and guest links for meetings), however clever the engine is. This
floor is that storing at its cheapest: one transaction, one ``executemany`` per table
and kind of change, each UPDATE naming only the columns that changed, no Python
between the statements. So ``value / (listing floor + this floor)`` is what the engine
costs beyond fetching and storing, and ``(listing floor + this floor) / listing floor``
is the best ratio any engine could reach against the listing alone.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

# Every table and column name in the SQL below comes from this tuple and the schema
# (PRAGMA table_info), never from data: hence the S608 exemptions.
# Parents before children: inserts go in this order, deletes in the reverse one.
TABLES = ("contact", "activity", "activity_guest", "sync_link", "sync_mirror")

Row = tuple[Any, ...]
Rows = dict[str, dict[Any, Row]]


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its WAL included)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    names = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    return ["id", *(name for name in names if name != "id")]


def read_rows(path: Path) -> tuple[dict[str, list[str]], Rows]:
    """Each table's columns (id first) and rows by id."""
    with closing(sqlite3.connect(path)) as connection:
        columns = {table: _columns(connection, table) for table in TABLES}
        rows = {
            table: {
                row[0]: row
                for row in connection.execute(f"SELECT {', '.join(names)} FROM {table}")  # noqa: S608
            }
            for table, names in columns.items()
        }
    return columns, rows


def _updates(
    names: list[str], before: dict[Any, Row], after: dict[Any, Row]
) -> dict[tuple[int, ...], list[Row]]:
    """Changed rows grouped by which columns changed: (changed values..., id)."""
    grouped: dict[tuple[int, ...], list[Row]] = defaultdict(list)
    for key, row in after.items():
        old = before.get(key)
        if old is None or old == row:
            continue
        changed = tuple(i for i in range(1, len(names)) if old[i] != row[i])
        grouped[changed].append((*(row[i] for i in changed), key))
    return grouped


def changed_row_count(before: Rows, after: Rows) -> int:
    return sum(
        len(before[t].keys() ^ after[t].keys())
        + sum(1 for k, row in after[t].items() if k in before[t] and before[t][k] != row)
        for t in TABLES
    )


def _write(
    connection: sqlite3.Connection, columns: dict[str, list[str]], before: Rows, after: Rows
) -> None:
    for table in reversed(TABLES):
        gone: Iterable[Row] = [(key,) for key in before[table].keys() - after[table].keys()]
        connection.executemany(f"DELETE FROM {table} WHERE id = ?", gone)  # noqa: S608
    for table in TABLES:
        names = columns[table]
        for changed, values in _updates(names, before[table], after[table]).items():
            assignments = ", ".join(f"{names[i]} = ?" for i in changed)
            update = f"UPDATE {table} SET {assignments} WHERE id = ?"  # noqa: S608
            connection.executemany(update, values)
        added = [row for key, row in after[table].items() if key not in before[table]]
        marks = ", ".join("?" * len(names))
        connection.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
            added,
        )


def db_floor(before: Path, after: Path, scratch: Path, repeats: int) -> float:
    """Seconds to write ``after``'s changes to the sync's tables into copies of
    ``before`` (best of ``repeats``), as the app's connections do: WAL, foreign keys
    on, SQLite's default (full) synchronous commit."""
    columns, old = read_rows(before)
    _, new = read_rows(after)
    best = math.inf
    for n in range(repeats):
        trial = scratch / f"floor-{n}.sqlite3"
        copy_database(before, trial)
        with closing(sqlite3.connect(trial, isolation_level=None)) as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA foreign_keys = 1")
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            _write(connection, columns, old, new)
            connection.execute("COMMIT")
            best = min(best, time.perf_counter() - started)
            # The floor must have written what the run wrote, or it measures nothing.
            _, written = read_rows(trial)
        if changed_row_count(written, new):
            raise SystemExit("the database floor did not reproduce the run's rows")
    return best
