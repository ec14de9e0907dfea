"""The create ids sent before sync_transaction existed (0008), recorded as spent: ours are
``remote_id_for(activity id)``, so every activity that exists, or that a status row
still names, gets its id recorded (computed here, frozen: a later change to
integrations/sync/ids.py must not change what this migration does). An id recorded
that was never sent costs its create one read-back; one sent and not recorded would
let a create take an older event for the one it made.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T09:00:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "the create ids of existing activities recorded as spent"

KNOWN = "SELECT id FROM activity UNION SELECT activity_id FROM sync_link"
#: Rows per INSERT (SQLite's limit on compound selects and terms stays far away).
CHUNK = 400


def _remote_id(activity_id: int) -> str:
    """``integrations.sync.ids.remote_id_for`` with its only namespace, as of this
    migration: ``0-9a-v`` only, so safe to write into the statement."""
    digest = hashlib.sha256(f"rendezvous:{activity_id}".encode()).digest()[:20]
    return "rdv" + base64.b32hexencode(digest).decode("ascii").lower()


def _engine() -> Any:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no piccolo engine configured")
    return engine


async def _spend() -> None:
    engine = _engine()
    rows = await engine.run_ddl(KNOWN)
    ids = sorted({_remote_id(int(row["id"])) for row in rows or ()})
    for start in range(0, len(ids), CHUNK):
        values = ", ".join(f"('{i}')" for i in ids[start : start + CHUNK])
        await engine.run_ddl(f"INSERT INTO sync_transaction (transaction_id) VALUES {values}")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="integrations", description=DESCRIPTION)
    manager.add_raw(_spend)
    # Backwards forgets nothing: an id recorded as spent may have been sent since.
    return manager
