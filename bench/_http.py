"""Shared by the HTTP benchmarks: a server's port and readiness, a closed-loop load of
CONCURRENCY requests in flight, the floor-versus-target alternation, and the JSON line
every benchmark prints. (A leading underscore: `make bench` runs only the others.)"""

from __future__ import annotations

import asyncio
import socket
import statistics
import time

import httpx

CONCURRENCY = 8
ROUNDS = 5  # alternations of floor and target within the seconds given to each


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


async def compare(
    base: str, paths: tuple[str, str], seconds: float, headers: dict[str, str] | None = None
) -> dict[str, tuple[float, list[float]]]:
    """Requests/s and latencies of the floor and the target path, alternated in ROUNDS
    short rounds so that a slow patch of the machine (another process, a WAL
    checkpoint) hits both."""
    counts = dict.fromkeys(paths, 0)
    busy = dict.fromkeys(paths, 0.0)
    latencies: dict[str, list[float]] = {target: [] for target in paths}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
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
