"""``rendezvous serve`` in a subprocess of its own, for tests that kill it."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integrations.smtp import free_port
from tests.integrations.waiting import until


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, whatever the process was doing stays undone."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=30)
            except TimeoutError:
                await self.kill()


def server_env(database_url: str, var_dir: Path, **variables: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENDEZVOUS_VAR_DIR": str(var_dir),
        "SECRET_KEY": "s" * 48,
        "RATE_LIMIT_PER_MINUTE": "10000",
        "LOG_FORMAT": "console",
        **variables,
    }


async def serve(env: dict[str, str], log: Path) -> Server:
    """Start one server process (one uvicorn worker, so its pid is the one serving and
    running the outbox) and wait until it answers ``/healthz``."""
    port = free_port()
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=output,
            stderr=output,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)

    async def healthy() -> bool:
        if process.returncode is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            async with httpx.AsyncClient(base_url=server.url) as probe:
                return (await probe.get("/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    try:
        # Up to a minute to import and start on a busy shared machine.
        await until(healthy, what=f"the server on port {port} to start", within=60, every=0.1)
    except BaseException:
        await server.kill()
        raise
    return server
