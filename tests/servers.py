"""Real server processes, for tests whose claims only hold across processes (no double
booking, shared throttles, a job surviving its process)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.waiting import until


@contextmanager
def loopback_listener() -> Iterator[socket.socket]:
    """A listening socket on a free loopback port, to hand to a server process (its
    ``--fd``) and closed here after. Unlike a port only picked (:func:`free_port`), it
    cannot be taken by another process during the seconds the server takes to import,
    and connections made before the server accepts wait in its backlog."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield listener


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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


async def serve(env: dict[str, str], log: Path, *, workers: int = 1) -> Server:
    """Start `rendezvous serve --workers N` and wait until it answers ``/healthz``.

    With one worker, the process's pid is the one serving and running the outbox.
    """
    # Handed over (`serve --fd`): a port only picked was taken by another process's
    # outgoing connection before the server bound it (CI: "address already in use").
    with loopback_listener() as listener:
        port = listener.getsockname()[1]
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "web.cli", "serve", "--fd", str(listener.fileno())],
                *["--workers", str(workers)],
                env=env,
                stdout=output,
                stderr=output,
                pass_fds=[listener.fileno()],
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
        # Up to a minute for the workers to import and start on a busy shared machine.
        await until(healthy, what=f"the server on port {port} to start", within=60, every=0.1)
    except BaseException:
        await server.kill()
        raise
    return server


@asynccontextmanager
async def running_server(
    database_url: str, tmp_path: Path, *, workers: int = 3, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """`rendezvous serve --workers N` on a free port against ``database_url``, stopped
    at the end."""
    variables = {"LOG_LEVEL": "WARNING", **(env or {})}
    environment = server_env(database_url, tmp_path / "var", **variables)
    log = tmp_path / f"server-{uuid.uuid4().hex[:8]}.log"
    server = await serve(environment, log, workers=workers)
    try:
        yield server
    finally:
        await server.stop()
