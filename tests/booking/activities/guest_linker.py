"""One side of the guest-linking race in test_guest_link_processes: a separate process
that prints ``ready``, waits for a line on stdin, then links one activity's guests to
contacts the way a calendar import does, and prints ``{"linked": true}``.

    python -m tests.booking.activities.guest_linker DATABASE_URL HOST_ID ACTIVITY_ID EMAIL...
"""

from __future__ import annotations

import asyncio
import json
import sys


async def link(database_url: str, host_id: str, activity_id: str, *emails: str) -> None:
    from booking.activities import service as activities
    from web import database

    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        print(json.dumps({"ready": True}), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        await activities.relink_guests_many(int(host_id), [(int(activity_id), list(emails))])
        print(json.dumps({"linked": True}), flush=True)
    finally:
        await database.stop(engine)


if __name__ == "__main__":
    asyncio.run(link(*sys.argv[1:]))
