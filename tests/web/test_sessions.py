"""Server-side sessions: revocable, rotated at sign-in, never stored for strangers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from redis import asyncio as aioredis

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from tests.conftest import REDIS_TEST_URL, SignedIn, serve_in_loop, unavailable
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings


def browser(app: Litestar, session: str | None = None) -> httpx.AsyncClient:
    """Another browser (its own cookie jar, optionally holding a session cookie) on an
    app whose lifespan already runs."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    )
    if session is not None:
        client.cookies.set("session", session)
    return client


def session_files(settings: Settings) -> list[Path]:
    folder = settings.var_dir / "sessions"
    return [p for p in folder.iterdir() if ".tmp" not in p.name] if folder.exists() else []


async def test_strangers_get_no_session_and_nothing_is_stored(
    client: httpx.AsyncClient, ada: SignedIn, settings: Settings
) -> None:
    for path in ("/login", "/ada", "/no-such-page", "/dashboard"):
        response = await client.get(path, headers={"Accept": "text/html"})
        assert "session=" not in response.headers.get("set-cookie", "")
    assert session_files(settings) == []


async def test_sign_in_issues_a_new_id_and_the_old_one_dies(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    first = client.cookies["session"]
    # Signing in again (as happens after a planted or shared cookie) rotates the id.
    await sign_in(client, "ada@example.com", PASSWORD)
    second = client.cookies["session"]
    assert first != second
    async with browser(app, session=first) as attacker:
        replay = await attacker.get("/dashboard")
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/login")


async def test_a_logged_out_cookie_opens_nothing(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn, settings: Settings
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    stolen = client.cookies["session"]
    assert len(session_files(settings)) == 1
    token = await csrf_token(client, "/dashboard")
    await client.post("/logout", data={"_csrf_token": token})
    assert session_files(settings) == []
    async with browser(app, session=stolen) as attacker:
        replay = await attacker.get("/dashboard")
    assert replay.status_code == 303
    assert replay.headers["location"] == "/login?next=%2Fdashboard"


async def test_viewing_pages_writes_nothing(
    client: httpx.AsyncClient, ada: SignedIn, settings: Settings
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    (stored,) = session_files(settings)
    written = stored.stat().st_mtime_ns
    for _ in range(3):
        response = await client.get("/dashboard")
        assert response.status_code == 200
        assert "set-cookie" not in response.headers
    assert stored.stat().st_mtime_ns == written


async def test_a_password_change_ends_every_other_session(
    app: Litestar, client: httpx.AsyncClient, ada: SignedIn
) -> None:
    async with browser(app) as laptop:
        await sign_in(client, "ada@example.com", PASSWORD)
        await sign_in(laptop, "ada@example.com", PASSWORD)
        assert (await laptop.get("/dashboard")).status_code == 200
        before = client.cookies["session"]

        token = await csrf_token(client, "/dashboard")
        changed = await client.post(
            "/dashboard/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a much better passphrase",
                "confirm_password": "a much better passphrase",
                "_csrf_token": token,
            },
        )
        assert changed.status_code == 200
        assert "Password changed" in changed.text
        # This browser goes on, under a new id; the laptop is signed out.
        assert client.cookies["session"] != before
        assert (await client.get("/dashboard")).status_code == 200
        assert (await laptop.get("/dashboard")).status_code == 303
        # And the new password is the one that works.
        assert (await sign_in(laptop, "ada@example.com", PASSWORD)).status_code == 401
        again = await sign_in(laptop, "ada@example.com", "a much better passphrase")
        assert again.status_code == 303


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        (("wrong password", "new enough pw", "new enough pw"), 422, "not your current password"),
        ((PASSWORD, "short", "short"), 422, "Use 8 to 1024 characters"),
        ((PASSWORD, "new enough pw", "other new pw"), 422, "The two new passwords differ"),
        ((PASSWORD, PASSWORD, PASSWORD), 422, "is the current one"),
    ],
)
async def test_a_refused_password_change_explains_and_changes_nothing(
    client: httpx.AsyncClient,
    ada: SignedIn,
    form: tuple[str, str, str],
    status: int,
    message: str,
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    token = await csrf_token(client, "/dashboard")
    current, new, confirm = form
    response = await client.post(
        "/dashboard/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm,
            "_csrf_token": token,
        },
    )
    assert response.status_code == status
    assert message in response.text
    assert (await client.get("/dashboard")).status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 303


@pytest.mark.redis
async def test_with_redis_every_process_sees_the_same_sessions(settings: Settings) -> None:
    try:
        await aioredis.from_url(REDIS_TEST_URL).ping()
    except OSError:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}")
    shared = replace(settings, redis_url=REDIS_TEST_URL)
    # Two app instances stand for two processes: nothing but Redis is shared.
    async with serve_in_loop(create_app(shared)) as one:
        await hosts.create(
            HostCreate(email="ada@example.com", slug="ada", password=PASSWORD, name="Ada")
        )
        await sign_in(one, "ada@example.com", PASSWORD)
        cookie = one.cookies["session"]
        assert not session_files(settings)
        async with serve_in_loop(create_app(shared)) as two:
            two.cookies.set("session", cookie)
            assert (await two.get("/dashboard")).status_code == 200
            token = await csrf_token(one, "/dashboard")
            await one.post("/logout", data={"_csrf_token": token})
            assert (await two.get("/dashboard")).status_code == 303
