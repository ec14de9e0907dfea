"""Fill connected_account's new columns for the Google accounts already there, so a
database with connected accounts works after the upgrade without anyone reconnecting
(Zoom accounts follow in video_0002, which runs after this app's migrations).

- Google rows (already there, renamed by 0004): their identity is the e-mail they
  were keyed by, their grant dates from their connected_at, and their scopes are
  what the code of that time asked for (it always asked read and write; the tokens,
  encrypted, are out of a migration's reach). Their calendars, busy blocks and push
  channels keep pointing at the same ids.
- connected_at was overwritten by every reconnect before, so the first connection
  we can know of is the one stored: account_identity starts from it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-12-01T09:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "connected_account's new columns filled for existing accounts"

OLD_GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/calendar.readonly"
    " https://www.googleapis.com/auth/calendar.events"
)

FORWARDS = [
    "UPDATE connected_account SET purpose = 'calendar', external_id = external_email,"
    " authorized_at = connected_at,"
    f" scopes = CASE WHEN provider = 'google' THEN '{OLD_GOOGLE_SCOPES}' ELSE '' END",
    "INSERT INTO account_identity (host, provider, external_id, first_connected_at)"
    " SELECT host, provider, external_id, min(connected_at) FROM connected_account"
    " GROUP BY host, provider, external_id",
    "DROP INDEX calendar_account_host_provider_email",
    "CREATE UNIQUE INDEX connected_account_identity"
    " ON connected_account (host, provider, purpose, external_id)",
    # One video account per host, as before (a reconnect with another Zoom user
    # replaces it).
    "CREATE UNIQUE INDEX connected_account_one_video ON connected_account (host)"
    " WHERE purpose = 'video'",
    "CREATE UNIQUE INDEX account_identity_key"
    " ON account_identity (host, provider, external_id)",
]
# Going back would need the Zoom rows split out again; restore a backup instead.
BACKWARDS: list[str] = []


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="integrations",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
