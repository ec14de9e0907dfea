"""Zoom accounts move into connected_account (integrations_0004/0005), purpose
"video", and video_account goes.

Copied with new ids (no row pointed at a video account); their tokens, encrypted with
the same key, move as they are, with the scopes the Zoom app is registered with. The
identity of each is remembered from its connected_at, the first connection that can
be known (the old code overwrote it on every reconnect). Runs after every integrations
migration (this app depends on that one): the raw steps run before the table is
dropped.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-12-01T09:00:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "Zoom accounts moved into connected_account"

ZOOM_SCOPES = "meeting:read meeting:write user:read"

FORWARDS = [
    "INSERT INTO connected_account (host, provider, purpose, external_id, external_email,"
    " display_name, credentials, scopes, status, status_message, connected_at,"
    " authorized_at, reconnect_notified_at, last_used_at)"
    " SELECT host, provider, 'video', external_user_id, external_email, display_name,"
    f" credentials, '{ZOOM_SCOPES}', status, status_message, connected_at, connected_at,"
    " reconnect_notified_at, NULL FROM video_account ORDER BY id",
    "INSERT INTO account_identity (host, provider, external_id, first_connected_at)"
    " SELECT host, provider, external_user_id, connected_at FROM video_account"
    # "WHERE true": without it SQLite reads ON CONFLICT as the start of a join.
    " WHERE true ON CONFLICT (host, provider, external_id) DO NOTHING",
]
# Going back would need the rows split out again; restore a backup instead.
BACKWARDS: list[str] = []


async def forwards() -> MigrationManager:
    manager = raw_sql_migration(
        migration_id=ID,
        app_name="video",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
    manager.drop_table(class_name="VideoAccount", tablename="video_account")
    return manager
