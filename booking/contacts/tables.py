from __future__ import annotations

from piccolo.columns import Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Contact(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    email = Varchar(length=320, null=False)
    # casefold() of email. Kept as a column (not a functional index) because SQLite's
    # lower() folds ASCII only; matching must agree with Python's casefold exactly.
    email_key = Varchar(length=320, unique=True, null=False)
    name = Varchar(length=200, null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
