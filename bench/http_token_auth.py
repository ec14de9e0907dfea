"""HTTP benchmark of bearer-token authentication; prints one JSON object per line.

Run from the repository root:  .venv/bin/python bench/http_token_auth.py [--seconds 10]

A real server (uvicorn, one worker, SQLite) is loaded with a fixed number of requests
in flight against ``GET /healthz`` (the floor: one trivial query, no token) and
``GET /api/v1/me`` with an API token (the token and its host read in one query),
alternating in five rounds of the same run. It runs twice: as shipped, where a
token's ``last_used_at`` is written at most once a minute, and with that write on
every request (``LAST_USED_PRECISION`` set to zero in the server process), the
design the minute replaces. ``ratio`` is /api/v1/me over /healthz for throughput;
``vs_every_request`` compares the shipped throughput to the every-request one.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._http import compare, free_port, percentile, wait_healthy  # noqa: E402
from bench._report import json_line  # noqa: E402
from booking.hosts import service as hosts  # noqa: E402
from booking.hosts.schemas import HostCreate  # noqa: E402
from web import database  # noqa: E402

# The server process, with last_used_at written on every request when asked to.
SERVER = """
import sys
from datetime import timedelta
if sys.argv[2] == "every-request":
    from booking.hosts import service
    service.LAST_USED_PRECISION = timedelta(0)
from web.cli import main
main(["serve", "--port", sys.argv[1]])
"""


async def seed(database_url: str) -> str:
    engine = database.build_engine(database_url)
    await database.migrate(engine)
    host = await hosts.create(HostCreate(email="bench@example.com", slug="bench"))
    return await hosts.create_token(host.id, "bench")


async def measure(
    env: dict[str, str], token: str, mode: str, seconds: float
) -> dict[str, tuple[float, list[float]]]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, str(port), mode,
        env=env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(base, process)
        return await compare(
            base, ("/healthz", "/api/v1/me"), seconds, {"Authorization": f"Bearer {token}"}
        )
    finally:
        process.terminate()
        await process.wait()


async def main(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/bench.sqlite3"
        token = await seed(database_url)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RENDEZVOUS_VAR_DIR": tmp,
            "SECRET_KEY": "b" * 48,
            "LOG_LEVEL": "ERROR",
        }
        results = {
            mode: await measure(env, token, mode, seconds)
            for mode in ("every-request", "once-a-minute")
        }
    every_rps = results["every-request"]["/api/v1/me"][0]
    for mode, measured in results.items():
        floor_rps, floor_lat = measured["/healthz"]
        me_rps, me_lat = measured["/api/v1/me"]
        extra = {"vs_every_request": me_rps / every_rps}
        print(
            json_line(
                "http_token_auth",
                f"{mode}.requests_per_second",
                me_rps,
                "req/s",
                floor_rps,
                **extra,
            )
        )
        for q in (50, 99):
            print(
                json_line(
                    "http_token_auth",
                    f"{mode}.p{q}_latency",
                    percentile(me_lat, q) * 1000,
                    "ms",
                    percentile(floor_lat, q) * 1000,
                )
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per endpoint")
    asyncio.run(main(parser.parse_args().seconds))
