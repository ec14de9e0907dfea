"""Helpers for hand-written piccolo migrations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


def raw_sql_migration(
    *,
    migration_id: str,
    app_name: str,
    description: str,
    forwards: Sequence[str],
    backwards: Sequence[str],
) -> MigrationManager:
    """A migration of raw SQL statements, run in order (``backwards`` on rollback).

    For what piccolo cannot declare (composite and partial unique indexes, seed rows).
    It has to be its own migration: piccolo runs a migration's raw steps before it
    creates that migration's tables.
    """
    manager = MigrationManager(
        migration_id=migration_id, app_name=app_name, description=description
    )

    def runner(statements: Sequence[str]) -> Any:
        async def run() -> None:
            engine = engine_finder()
            if engine is None:
                raise RuntimeError("no piccolo engine configured")
            for statement in statements:
                await engine.run_ddl(statement)

        return run

    manager.add_raw(runner(forwards))
    manager.add_raw_backwards(runner(backwards))
    return manager
