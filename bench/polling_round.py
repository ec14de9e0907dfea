"""Benchmark: provider calls per polling round with several web and worker processes.

Run from the repository root:  .venv/bin/python bench/polling_round.py [--rounds 3]

3 web processes (`rendezvous serve --workers 3`) and 2 `rendezvous worker` processes
share a temporary SQLite database and Redis (database 14 of the local server, FLUSHED
first); 10 hosts have 100 conflict calendars on the Google emulator between them, and
a polling round starts every 5 seconds. After each round has finished (every calendar
synced as many times as rounds were claimed) the emulator's events.list requests are
counted. The first round is the full sync, the later ones are idle incremental rounds.

One JSON line per round: provider calls in that round; the floor is one call per
calendar (100). Nothing is asserted (tests/integrations/jobs/test_worker_processes.py
asserts it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The emulator speaks http:// on loopback; oauthlib refuses that unless told.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

from bench._redis import redis_reachable  # noqa: E402
from bench._report import json_line  # noqa: E402
from tests.integrations.jobs.scene import (  # noqa: E402
    EVENTS_LIST,
    JOBS_REDIS_URL,
    connect_accounts,
    fresh_redis,
    google_with_calendars,
    process_env,
    start_worker,
)
from tests.servers import serve  # noqa: E402
from web import database  # noqa: E402

CALENDARS = 100


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not await redis_reachable(JOBS_REDIS_URL):
        print(f"polling_round: skipped, no Redis at {JOBS_REDIS_URL}", file=sys.stderr)
        return
    redis = await fresh_redis()
    with tempfile.TemporaryDirectory() as name, google_with_calendars(CALENDARS) as google:
        tmp = Path(name)
        url = f"sqlite:///{tmp}/bench.sqlite3"
        engine = database.build_engine(url)
        await database.migrate(engine)
        database.bind(engine)
        await database.start(engine)
        accounts = await connect_accounts(google, hosts_count=10, calendars=CALENDARS)
        env = process_env(url, tmp, google, accounts.key, CALENDAR_SYNC_CRON="* * * * * */5")
        web, *workers = await asyncio.gather(
            serve(env, tmp / "web.log", workers=3),
            *(start_worker(env, tmp / f"worker{n}.log") for n in range(2)),
        )
        try:
            seen = 0
            before = 0
            deadline = time.monotonic() + 30 * args.rounds
            while seen < args.rounds and time.monotonic() < deadline:
                calls = Counter(
                    r.calendar_id for r in google.requests if r.method_id == EVENTS_LIST
                )
                rounds = len([k async for k in redis.scan_iter(match="rendezvous:poll-round:*")])
                finished = all(calls[c] == rounds for c in accounts.remote.values())
                if rounds > seen and finished:
                    total = sum(calls.values())
                    print(json_line("polling_round", f"round_{rounds}_provider_calls",
                                    total - before, "calls", CALENDARS,
                                    processes_web=3, processes_worker=2), flush=True)  # fmt: skip
                    seen, before = rounds, total
                await asyncio.sleep(0.1)
        finally:
            await asyncio.gather(web.stop(), *(w.stop() for w in workers))
            await database.stop(engine)
            await redis.flushdb()
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
