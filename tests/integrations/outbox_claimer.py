"""One side of the claim race in test_outbox_processes: a separate process that reads
the due jobs, prints ``ready``, waits for a line on stdin, then claims every job it
read as fast as it can and prints the ids it won.

    python -m tests.integrations.outbox_claimer DATABASE_URL WORKER KIND
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta


async def race(database_url: str, worker: str, kind: str) -> None:
    from booking.outbox import service as outbox
    from web import database

    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        jobs = await outbox.due([kind], datetime.now(UTC), limit=1000)
        print(json.dumps({"ready": len(jobs)}), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        won = []
        for job in jobs:
            now = datetime.now(UTC)
            if await outbox.claim(job, worker=worker, now=now, lease=timedelta(minutes=5)):
                won.append(job["id"])
        print(json.dumps({"won": won}), flush=True)
    finally:
        await database.stop(engine)


if __name__ == "__main__":
    asyncio.run(race(*sys.argv[1:4]))
