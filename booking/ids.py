"""Row ids as clients may send them: what every id column can hold.

Ids are piccolo ``Serial`` and ``ForeignKey`` columns, ``integer`` on PostgreSQL: a
larger number failed in asyncpg as an int32 overflow, and one past 2**63 in SQLite's
driver, both as 500s. Offsets into a list are bounded alike: there cannot be more
rows than ids.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

MAX_ID = 2**31 - 1

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
