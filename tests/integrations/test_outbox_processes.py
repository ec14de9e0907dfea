"""Outbox jobs survive their process, shown with real processes.

``rendezvous serve`` runs the outbox in-process; here it is started as a subprocess
against this test's database (SQLite and PostgreSQL), delivers to a real aiosmtpd
server, and is killed with SIGKILL in the middle of a send. Leases are a second or
two (OUTBOX_LEASE_SECONDS) so the tests wait for them by polling, with deadlines.
"""

from __future__ import annotations

import asyncio
import base64
import email
import json
import os
import signal
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB
from tests.hosts import a_slot_ahead, free_around_the_clock
from tests.integrations.conftest import StartServer
from tests.integrations.smtp import HOST, Handler
from tests.servers import Server, serve, server_env
from tests.waiting import until

pytestmark = pytest.mark.usefixtures("db")

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class HoldsTheFirst(Handler):
    """Takes in the first message, then keeps its sender waiting for the "250 OK"
    until released: the sender is mid-send, and the message has arrived (a relay
    queues it before it answers, so a sender that dies now causes a duplicate)."""

    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if not self.holding.is_set():
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 120)
        return reply

    async def wait_holding(self) -> None:
        if not await asyncio.to_thread(self.holding.wait, 60):
            pytest.fail("no message reached the SMTP server")

    def message_ids(self) -> Counter[str]:
        return Counter(str(r.message["Message-ID"]) for r in self.received)


@dataclass
class Scene:
    smtp: HoldsTheFirst
    env: dict[str, str]
    tmp_path: Path
    servers: list[Server] = field(default_factory=list)

    async def start(self, name: str) -> Server:
        server = await serve(self.env, self.tmp_path / f"{name}.log")
        self.servers.append(server)
        return server

    def logs(self) -> str:
        return "\n".join(f"--- pid {s.pid}:\n{s.log_tail()}" for s in self.servers)


@pytest.fixture
async def scene(
    database_url: str, tmp_path: Path, start_server: StartServer
) -> AsyncIterator[Scene]:
    smtp = HoldsTheFirst()
    port = start_server(smtp)
    env = server_env(database_url, tmp_path / "var", SMTP_URL=f"smtp://{HOST}:{port}")
    await free_around_the_clock("ada", "intro")
    made = Scene(smtp, env, tmp_path)
    try:
        yield made
    finally:
        smtp.release.set()
        for server in made.servers:
            await server.stop()


async def book(server: Server, count: int) -> None:
    start = a_slot_ahead()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for i in range(count):
            response = await client.post(
                "/api/v1/public/ada/intro/bookings",
                json={
                    "start": (start + timedelta(hours=i)).isoformat(),
                    "name": f"Invitee {i}",
                    "email": f"invitee{i}@example.com",
                    "time_zone": "UTC",
                },
            )
            assert response.status_code == 201, response.text


async def emails() -> list[dict[str, Any]]:
    return await outbox.jobs_of_kind(EMAIL_JOB)


def stored_message(job: dict[str, Any]) -> bytes:
    return base64.b64decode(job["payload"]["message"])


def message_id(job: dict[str, Any]) -> str:
    return str(email.message_from_bytes(stored_message(job), policy=policy.default)["Message-ID"])


def held_by(job: dict[str, Any], server: Server) -> bool:
    return f":{server.pid}:" in job["claimed_by"]


async def test_a_job_killed_mid_send_is_sent_by_the_next_process(scene: Scene) -> None:
    scene.env["OUTBOX_LEASE_SECONDS"] = "2"
    first = await scene.start("first")
    await book(first, 3)  # two e-mails each: the invitee's and the host's
    await scene.smtp.wait_holding()

    jobs = await emails()
    assert len(jobs) == 6
    [sending] = [job for job in jobs if job["status"] == "running"]
    assert held_by(sending, first), scene.logs()
    assert sending["lease_until"] is not None
    await first.kill()
    assert first.process.returncode == -signal.SIGKILL
    scene.smtp.release.set()  # its "250 OK" goes to a dead socket

    second = await scene.start("second")

    async def all_done() -> bool:
        return all(job["status"] == "done" for job in await emails())

    await until(all_done, what="every e-mail to be sent", within=60, explain=scene.logs)
    by_id = {job["id"]: job for job in await emails()}
    assert Counter(job["status"] for job in by_id.values()) == {"done": 6}
    retried = by_id[sending["id"]]
    assert retried["attempts"] == 2
    assert held_by(retried, second)

    # Every queued e-mail arrived, to its recipient; the one in flight twice.
    wanted = {message_id(job): job for job in by_id.values()}
    assert scene.smtp.message_ids() == {
        **dict.fromkeys(wanted, 1),
        message_id(sending): 2,
    }, scene.logs()
    for received in scene.smtp.received:
        job = wanted[str(received.message["Message-ID"])]
        assert received.envelope.rcpt_tos == [job["payload"]["to"]]
        # Sent byte for byte as stored: nothing re-encoded, no header regenerated.
        assert received.envelope.content == stored_message(job)


async def test_a_slow_job_is_not_run_twice_while_its_holder_lives(scene: Scene) -> None:
    lease = 1.5
    scene.env["OUTBOX_LEASE_SECONDS"] = str(lease)
    one, other = await asyncio.gather(scene.start("one"), scene.start("other"))
    await book(one, 1)
    await scene.smtp.wait_holding()
    [slow] = [job for job in await emails() if job["status"] == "running"]
    holder = one if held_by(slow, one) else other
    idle = other if holder is one else one
    assert held_by(slow, holder), scene.logs()

    # The process not busy with the slow job is polling (every lease): it sends the
    # booking's other e-mail, and leaves the slow one to its holder.
    async def other_email_sent() -> list[dict[str, Any]]:
        return [
            job for job in await emails() if job["id"] != slow["id"] and job["status"] == "done"
        ]

    [quick] = await until(other_email_sent, what="the second e-mail", within=30, explain=scene.logs)
    assert held_by(quick, idle)

    # Wait until the slow job has outlived its first lease by a whole poll of the idle
    # process, kept only by its holder's renewals.
    first_lease = slow["lease_until"]

    async def renewed_well_past_first_lease() -> bool:
        [job] = [job for job in await emails() if job["id"] == slow["id"]]
        assert job["status"] == "running", scene.logs()
        return bool(job["lease_until"] >= first_lease + timedelta(seconds=2 * lease))

    await until(renewed_well_past_first_lease, what="renewals", within=30, explain=scene.logs)
    scene.smtp.release.set()

    async def slow_done() -> dict[str, Any] | None:
        [job] = [job for job in await emails() if job["id"] == slow["id"]]
        return job if job["status"] == "done" else None

    done = await until(slow_done, what="the slow e-mail to finish", explain=scene.logs)
    assert done is not None
    assert (done["attempts"], done["claimed_by"]) == (1, slow["claimed_by"])
    assert scene.smtp.message_ids() == {message_id(slow): 1, message_id(quick): 1}
    assert [one.process.returncode, other.process.returncode] == [None, None], "both alive"


async def test_processes_racing_for_the_same_jobs_claim_each_once(
    database_url: str, tmp_path: Path
) -> None:
    kind = "race"
    for i in range(40):
        await outbox.enqueue(kind, {"n": i})
    # A quarter were held by a process that died: they are raced for the same way.
    now = datetime.now(UTC)
    for job in (await outbox.jobs_of_kind(kind))[::4]:
        await outbox.claim(
            job, worker="dead", now=now - timedelta(minutes=2), lease=timedelta(minutes=1)
        )
    ids = sorted(job["id"] for job in await outbox.jobs_of_kind(kind))

    env = {**os.environ, "DATABASE_URL": database_url, "RENDEZVOUS_VAR_DIR": str(tmp_path)}
    workers = [f"racer-{i}" for i in range(3)]
    racers = [
        await asyncio.create_subprocess_exec(
            *[sys.executable, "-m", "tests.integrations.outbox_claimer", database_url, name, kind],
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for name in workers
    ]
    try:
        for racer in racers:
            assert racer.stdout is not None
            line = await asyncio.wait_for(racer.stdout.readline(), timeout=60)
            assert json.loads(line) == {"ready": 40}
        for racer in racers:  # all of them read every job before any claims one
            assert racer.stdin is not None
            racer.stdin.write(b"go\n")
            await racer.stdin.drain()
        won = {}
        for name, racer in zip(workers, racers, strict=True):
            assert racer.stdout is not None
            won[name] = json.loads(await asyncio.wait_for(racer.stdout.readline(), timeout=60))
    finally:
        for racer in racers:
            if racer.returncode is None:
                racer.kill()
            await racer.wait()

    claims = sorted(job_id for result in won.values() for job_id in result["won"])
    assert claims == ids, "every job claimed, none twice"
    stored = {job["id"]: job for job in await outbox.jobs_of_kind(kind)}
    for name, result in won.items():
        assert {stored[job_id]["claimed_by"] for job_id in result["won"]} <= {name}
