from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.hosts.tables import Host


class Contact(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    email = Varchar(length=320, null=False)
    # casefold() of email. Kept as a column (not a functional index) because SQLite's
    # lower() folds ASCII only; matching must agree with Python's casefold exactly.
    # Not unique (booking_0009): contacts may share an address (a shared inbox, a
    # duplicate import); a guest matching several is never guessed (service.match_guest).
    email_key = Varchar(length=320, null=False, index=True)
    name = Varchar(length=200, null=False, default="")
    # Every host reads the team's contacts; only the owner changes or deletes one.
    # Null only where no host existed when owners were introduced (booking_0008);
    # nobody may write those. RESTRICT, not CASCADE or SET NULL: a host's contacts
    # are the team's records, to be handed over, not dropped or orphaned, before the
    # host could be deleted.
    owner = ForeignKey(references=Host, null=True, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
