"""Give every existing contact an owner (the column comes from booking_0007).

Separate from booking_0007 because piccolo runs a migration's raw steps before its
column changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from booking.migrations import raw_sql_migration

ID = "2026-11-30T14:36:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "contact.owner from the earliest booking or activity, else the first host"

FORWARDS = [
    # The host who first met the contact: the host of its earliest booking, or the
    # owner of the earliest activity it is a guest of, whichever came first. That is
    # who today's code makes the owner of a new contact (booking.contacts.service).
    "UPDATE contact SET owner = ("
    " SELECT seen.host FROM ("
    "  SELECT b.host AS host, b.created_at AS at, b.id AS id"
    "  FROM booking AS b WHERE b.contact = contact.id"
    "  UNION ALL"
    "  SELECT a.owner, a.created_at, a.id"
    "  FROM activity_guest AS g JOIN activity AS a ON a.id = g.activity"
    "  WHERE g.contact = contact.id"
    " ) AS seen ORDER BY seen.at, seen.id LIMIT 1"
    ") WHERE owner IS NULL",
    # Contacts no host ever met were made through the API by a host we cannot name.
    # They go to the first host: the account the operator created when installing,
    # the nearest thing to an administrator, who can then hand them on or delete
    # them. Left without an owner they could never be changed again (no one owns
    # them), and writable by everyone they would keep the hole this closes.
    "UPDATE contact SET owner = (SELECT min(id) FROM host) WHERE owner IS NULL",
]
# booking_0007's rollback drops the column, and the owners with it.
BACKWARDS: list[str] = []


async def forwards() -> MigrationManager:
    return raw_sql_migration(
        migration_id=ID,
        app_name="booking",
        description=DESCRIPTION,
        forwards=FORWARDS,
        backwards=BACKWARDS,
    )
