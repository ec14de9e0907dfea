"""Sign-in throttling through the sign-in page: per account, per client address, and
shared by every process when Redis is configured."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import time_machine
from litestar import Litestar
from redis import asyncio as aioredis

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import REDIS_TEST_URL, SignedIn, unavailable
from tests.servers import running_server
from tests.web.pages.test_account import PASSWORD, sign_in
from tests.web.test_sessions import browser

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def test_a_few_wrong_passwords_then_429_and_the_right_one_waits_too(
    client: httpx.AsyncClient, ada: SignedIn, clock: time_machine.Coordinates
) -> None:
    for _ in range(5):
        assert (await sign_in(client, "ada@example.com", "wrong")).status_code == 401
    blocked = await sign_in(client, "ada@example.com", PASSWORD)
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "30"
    assert "Too many sign-in attempts. Try again in 30 seconds." in blocked.text
    assert (await client.get("/dashboard")).status_code == 303

    clock.shift(timedelta(seconds=30))
    assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 303
    assert (await client.get("/dashboard")).status_code == 200


async def test_the_wait_grows_with_every_further_wrong_password(
    client: httpx.AsyncClient, ada: SignedIn, clock: time_machine.Coordinates
) -> None:
    for _ in range(5):
        await sign_in(client, "ada@example.com", "wrong")
    waits = []
    for _ in range(4):
        refused = await sign_in(client, "ada@example.com", "wrong")
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        waits.append(wait)
        clock.shift(timedelta(seconds=wait))
        assert (await sign_in(client, "ada@example.com", "wrong")).status_code == 401
    assert waits == [30, 60, 120, 240]


async def test_the_account_is_throttled_from_every_address(
    app: Litestar, ada: SignedIn, clock: time_machine.Coordinates
) -> None:
    for address in range(5):
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{address}", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as guesser:
            assert (await sign_in(guesser, "ada@example.com", "wrong")).status_code == 401
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as owner:
        assert (await sign_in(owner, "ADA@example.com ", PASSWORD)).status_code == 429


async def test_one_address_spraying_many_accounts_is_throttled(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn, clock: time_machine.Coordinates
) -> None:
    for i in range(20):
        response = await sign_in(client, f"user{i}@example.com", "password1")
        assert response.status_code == 401
    sprayed = await sign_in(client, "user20@example.com", "password1")
    assert sprayed.status_code == 429
    # Someone else, elsewhere, is not affected.
    async with browser(app) as elsewhere:
        assert (await sign_in(elsewhere, "ada@example.com", PASSWORD)).status_code == 429
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t.local") as other:
        assert (await sign_in(other, "ada@example.com", PASSWORD)).status_code == 303


async def test_signing_in_successfully_resets_the_count(
    client: httpx.AsyncClient, ada: SignedIn, clock: time_machine.Coordinates
) -> None:
    for _ in range(4):
        await sign_in(client, "ada@example.com", "wrong")
    assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 303
    for _ in range(4):
        assert (await sign_in(client, "ada@example.com", "wrong")).status_code == 401


@pytest.mark.redis
async def test_a_burst_across_processes_gets_only_the_free_attempts(
    database_url: str, tmp_path: Path, db: None
) -> None:
    """Three uvicorn workers share the budget through Redis; 30 parallel guesses get 5
    password checks between them, and the right password is refused afterwards."""
    try:
        await aioredis.from_url(REDIS_TEST_URL).ping()
    except OSError:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}")
    # Fresh records in the shared Redis: a new account, and a new client address
    # (uvicorn believes X-Forwarded-For from loopback, as it would from a local proxy).
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    address = str(ipaddress.IPv4Address("198.18.0.0") + secrets.randbelow(2**17))
    await hosts.create(HostCreate(email=email, slug="ada", password=PASSWORD))
    env = {"REDIS_URL": REDIS_TEST_URL}
    async with running_server(database_url, tmp_path, workers=3, env=env) as server:
        guessers = [
            httpx.AsyncClient(base_url=server.url, timeout=60, headers={"X-Forwarded-For": address})
            for _ in range(30)
        ]
        try:
            for guesser in guessers:
                # Each guesser gets its form first, so the burst below is only sign-ins.
                page = await guesser.get("/login")
                assert page.status_code == 200
            responses = await asyncio.gather(
                *(sign_in(g, email, f"guess {i}") for i, g in enumerate(guessers))
            )
            codes = Counter(r.status_code for r in responses)
            assert codes == Counter({401: 5, 429: 25}), (codes, server.log_tail())
            assert (await sign_in(guessers[0], email, PASSWORD)).status_code == 429
        finally:
            for guesser in guessers:
                await guesser.aclose()
