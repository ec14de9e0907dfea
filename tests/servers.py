"""Real server processes for tests whose claims only hold across processes."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:]


@asynccontextmanager
async def running_server(
    database_url: str, tmp_path: Path, *, workers: int = 3, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """`rendezvous serve --workers N` on a free port, against ``database_url``."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "s" * 48,
        "RATE_LIMIT_PER_MINUTE": "10000",
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    log = tmp_path / f"server-{port}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
            *["--workers", str(workers)],
            env=environment,
            stdout=output,
            stderr=output,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as probe:
            # Up to ~60 s for the workers to import and start on a busy 2-core machine.
            for _ in range(600):
                if process.returncode is not None:
                    pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
                try:
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)  # waiting for another process, not for time to pass
            else:
                pytest.fail(f"server did not become healthy:\n{log.read_text()[-3000:]}")
        yield Server(url, log)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
