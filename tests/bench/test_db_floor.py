"""The database floor (bench/_db_floor.py) writes exactly the rows a run changed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bench._db_floor import TABLES, changed_row_count, db_floor, read_rows

SCHEMA = """
CREATE TABLE contact (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
CREATE TABLE activity (id INTEGER PRIMARY KEY, title TEXT NOT NULL, start_at TEXT NOT NULL);
CREATE TABLE activity_guest (
    id INTEGER PRIMARY KEY,
    activity INTEGER NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
    contact INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE
);
CREATE TABLE sync_link (id INTEGER PRIMARY KEY, activity_id INTEGER, remote_id TEXT);
CREATE TABLE sync_mirror (id INTEGER PRIMARY KEY, remote_id TEXT, item TEXT);
"""


def database(path: Path, *scripts: str) -> Path:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        for script in (SCHEMA, *scripts):
            connection.executescript(script)
        connection.commit()
    return path


BEFORE = """
INSERT INTO contact VALUES (1, 'a@example.com');
INSERT INTO activity VALUES (1, 'Call', '2026-12-01'), (2, 'Lunch', '2026-12-02');
INSERT INTO activity_guest VALUES (1, 1, 1);
INSERT INTO sync_link VALUES (1, 1, 'r1'), (2, 2, 'r2');
INSERT INTO sync_mirror VALUES (1, 'r1', '{}'), (2, 'r2', '{}');
"""


def test_the_floor_writes_inserts_updates_and_deletes_of_every_table(tmp_path: Path) -> None:
    before = database(tmp_path / "before.sqlite3", BEFORE)
    after = database(
        tmp_path / "after.sqlite3",
        BEFORE,
        """
        INSERT INTO contact VALUES (2, 'b@example.com');
        UPDATE activity SET title = 'Call back' WHERE id = 1;
        DELETE FROM activity_guest WHERE id = 1;
        DELETE FROM activity WHERE id = 2;
        INSERT INTO activity VALUES (3, 'Visit', '2026-12-03');
        INSERT INTO activity_guest VALUES (2, 3, 2);
        UPDATE sync_link SET activity_id = 3, remote_id = 'r3' WHERE id = 2;
        DELETE FROM sync_mirror WHERE id = 2;
        INSERT INTO sync_mirror VALUES (3, 'r3', '{"title": "Visit"}');
        """,
    )
    _, old = read_rows(before)
    _, new = read_rows(after)
    assert changed_row_count(old, new) == 9
    assert db_floor(before, after, tmp_path, repeats=2) > 0
    # Each trial started from a copy of "before" and ended as "after".
    for trial in ("floor-0.sqlite3", "floor-1.sqlite3"):
        _, written = read_rows(tmp_path / trial)
        assert {t: written[t] for t in TABLES} == new
    _, untouched = read_rows(before)
    assert untouched == old


def test_a_floor_that_could_not_write_the_rows_says_so(tmp_path: Path) -> None:
    # A trigger in "before" rewrites every new title: the floor's rows are not the run's.
    before = database(
        tmp_path / "before.sqlite3",
        BEFORE,
        """
        CREATE TRIGGER renamed AFTER INSERT ON activity
        BEGIN UPDATE activity SET title = 'x' WHERE id = NEW.id; END;
        """,
    )
    after = database(
        tmp_path / "after.sqlite3",
        BEFORE,
        "INSERT INTO activity VALUES (3, 'Visit', '2026-12-03');",
    )
    with pytest.raises(SystemExit, match="did not reproduce"):
        db_floor(before, after, tmp_path, repeats=1)
