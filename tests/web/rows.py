"""What the database holds, to show that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from web import database

#: Bookkeeping of the request itself, not of what it asked for: piccolo's migration
#: log, and a token's or session's last use (recorded before a handler can refuse).
_BOOKKEEPING = ("migration", "token", "session")
#: What the outbox relay changes in the background while a test runs (delivery
#: progress of jobs queued earlier); which jobs exist is still compared.
_RELAY_COLUMNS = frozenset(
    {"status", "attempts", "next_attempt_at", "last_error", "done_at", "lease_until", "claimed_by"}
)


async def stored_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but the bookkeeping ones, in a comparable order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in database.all_tables():
        name = table._meta.tablename
        if any(word in name for word in _BOOKKEEPING):
            continue
        selected = await table.select().order_by(table._meta.primary_key)
        if name == "outbox_job":
            selected = [{k: v for k, v in r.items() if k not in _RELAY_COLUMNS} for r in selected]
        rows[name] = list(selected)
    return rows
