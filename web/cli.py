"""``rendezvous`` command line: serve, migrate, users, tokens, demo."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from booking.errors import DomainError
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from web import database
from web.settings import ConfigError, Settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from exc


def _run_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the database bound, turning domain errors into CLI errors."""

    async def main() -> T:
        engine = database.build_engine(settings.database_url)
        database.bind(engine)
        await database.start(engine)
        try:
            return await work()
        finally:
            await database.stop(engine)

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


@click.group()
def main() -> None:
    """Rendezvous: booking pages and availability for CRM teams."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web app and API with uvicorn."""
    import uvicorn

    settings = _settings()  # fail fast, naming the bad variable, before forking workers
    click.echo(f"Rendezvous on http://{host}:{port}  (database: {settings.database_url})")
    uvicorn.run(
        "web.main:app",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,  # litestar's logging middleware logs each request as JSON
        proxy_headers=True,
    )


@main.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = _settings()

    async def work() -> None:
        engine = database.build_engine(settings.database_url)
        await database.migrate(engine)

    asyncio.run(work())
    click.echo("Migrations applied.")


@main.group()
def users() -> None:
    """Manage hosts."""


@users.command("create")
@click.argument("email")
@click.option("--slug", required=True, help="Booking page address: /SLUG")
@click.option("--time-zone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Berlin")
@click.option("--name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def users_create(email: str, slug: str, time_zone: str, name: str, password_stdin: bool) -> None:
    """Create a host."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        data = HostCreate(
            email=email, slug=slug, time_zone=time_zone, name=name, password=password or None
        )
    except Exception as exc:
        raise click.ClickException(str(exc)) from exc
    host = _run_db(_settings(), lambda: hosts.create(data))
    click.echo(f"Created host {host.email} (id {host.id}, page /{host.slug}, {host.time_zone}).")


@main.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--label", default="cli")
def tokens_create(email: str, label: str) -> None:
    """Create an API token for a host and print it (it is shown only once)."""

    async def work() -> str:
        host = await hosts.get_by_email(email)
        return await hosts.create_token(host.id, label)

    click.echo(_run_db(_settings(), work))


DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the newcomer; a demo only


@main.command()
def demo() -> None:
    """Ensure a demo host exists (idempotent), for a first look after `make run`."""

    async def work() -> str:
        try:
            host = await hosts.get_by_email(DEMO_EMAIL)
        except DomainError:
            host = await hosts.create(
                HostCreate(
                    email=DEMO_EMAIL,
                    slug="demo",
                    name="Demo Host",
                    time_zone="Europe/Berlin",
                    password=DEMO_PASSWORD,
                )
            )
        return host.slug

    slug = _run_db(_settings(), work)
    click.echo(f"Demo host: sign in at /login as {DEMO_EMAIL} / {DEMO_PASSWORD}; page /{slug}")
