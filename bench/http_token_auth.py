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
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


CONCURRENCY = 8
ROUNDS = 5  # alternations of floor and /api/v1/me within --seconds per endpoint


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_healthy(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(300):
            if process.returncode is not None:
                raise SystemExit(f"server exited with {process.returncode}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("server did not become healthy")


async def load(
    client: httpx.AsyncClient, path: str, seconds: float
) -> tuple[int, float, list[float]]:
    """Keep CONCURRENCY requests in flight for ``seconds``; (count, elapsed s, latencies)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - began)
            response.raise_for_status()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(latencies), time.perf_counter() - began, latencies


async def compare(base: str, token: str, seconds: float) -> dict[str, tuple[float, list[float]]]:
    """Requests/s and latencies of both paths, alternated in ROUNDS short rounds so
    that a slow patch of the machine (another process, a WAL checkpoint) hits both."""
    paths = ("/healthz", "/api/v1/me")
    counts = dict.fromkeys(paths, 0)
    busy = dict.fromkeys(paths, 0.0)
    latencies: dict[str, list[float]] = {target: [] for target in paths}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers=headers
    ) as client:
        for target in paths:
            for _ in range(CONCURRENCY * 4):  # warm connections and caches
                (await client.get(target)).raise_for_status()
        for _ in range(ROUNDS):
            for target in paths:
                count, elapsed, measured = await load(client, target, seconds / ROUNDS)
                counts[target] += count
                busy[target] += elapsed
                latencies[target].extend(measured)
    return {target: (counts[target] / busy[target], latencies[target]) for target in paths}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


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
        return await compare(base, token, seconds)
    finally:
        process.terminate()
        await process.wait()


def line(metric: str, value: float, unit: str, floor: float, **extra: float) -> str:
    return json.dumps(
        {
            "bench": "http_token_auth",
            "metric": metric,
            "value": round(value, 3),
            "unit": unit,
            "floor": round(floor, 3),
            "ratio": round(value / floor, 3),
            **{k: round(v, 3) for k, v in extra.items()},
        }
    )


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
        print(line(f"{mode}.requests_per_second", me_rps, "req/s", floor_rps, **extra))
        for q in (50, 99):
            print(
                line(
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
