"""``rendezvous`` command line: serve, worker, migrate, users, tokens, sync, demo."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import click
from redis.asyncio import Redis

from booking.errors import DomainError
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import ApiToken, ApiTokenCreate, HostCreate
from integrations.sync import service as sync_service
from integrations.sync.engine import RunOptions
from integrations.sync.schemas import SyncRun
from web import database
from web.app import account_locks
from web.calendars import calendar_environment
from web.demo_feed import connect_demo_feed
from web.heap import freeze_startup_heap
from web.logs import configure_stdlib_logging
from web.settings import ConfigError, Settings
from web.sync import sync_services

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from exc


def _redacted(url: str) -> str:
    """A database URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _run_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the database bound, turning domain errors into CLI errors."""

    async def main() -> T:
        engine = database.build_engine(settings.database_url)
        database.bind(engine)
        await database.start(engine)
        freeze_startup_heap()
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
@click.option(
    "--fd",
    type=click.IntRange(0),
    default=None,
    help="Serve on this listening socket, already bound (socket activation); "
    "--host and --port are then ignored",
)
def serve(host: str, port: int, workers: int, fd: int | None) -> None:
    """Serve the web app and API with uvicorn."""
    import uvicorn

    settings = _settings()  # fail fast, naming the bad variable, before forking workers
    # uvicorn's supervisor logs too (workers starting, dying): same format as the workers.
    configure_stdlib_logging(settings)
    where = f"file descriptor {fd}" if fd is not None else f"http://{host}:{port}"
    logging.getLogger("rendezvous").info(
        "serving on %s (database: %s)", where, _redacted(settings.database_url)
    )
    uvicorn.run(
        "web.main:app",
        host=host,
        port=port,
        fd=fd,
        workers=workers,
        log_config=None,
        access_log=False,  # litestar's logging middleware logs each request as JSON
        proxy_headers=True,
    )


@main.command()
@click.option(
    "--concurrency",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Jobs this process runs at once (syncs wait on provider calls, not the CPU)",
)
def worker(concurrency: int) -> None:
    """Run background jobs from Redis: calendar syncs, e-mail and Zoom, push renewals.

    Needs REDIS_URL (the same for every web and worker process). Start as many as
    you like, on as many machines: each account is synced by one at a time.
    """
    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, `rendezvous serve` runs background jobs "
            "itself and no worker is needed."
        )
    configure_stdlib_logging(settings)
    from web.worker import main as run_worker

    logging.getLogger("rendezvous").info(
        "worker starting (database: %s)", _redacted(settings.database_url)
    )
    run_worker(settings, concurrency)


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


def _expiry(value: str | None) -> datetime | None:
    """``--expires``: a number of days (``90d``) or an instant with an offset."""
    if value is None:
        return None
    if re.fullmatch(r"\d{1,5}d", value):
        return datetime.now(UTC) + timedelta(days=int(value[:-1]))
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            "give days (90d) or an instant such as 2027-01-01T00:00:00Z", param_hint="--expires"
        ) from exc
    if instant.tzinfo is None:
        # A bare date or time is a different instant in every zone; do not guess one.
        raise click.BadParameter("add an offset, e.g. 2027-01-01T00:00:00Z", param_hint="--expires")
    return instant


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


@tokens.command("create")
@click.argument("email")
@click.option("--name", "--label", "name", default="cli", show_default=True)
@click.option("--expires", help="After how many days (90d) or when (2027-01-01T00:00:00Z)")
def tokens_create(email: str, name: str, expires: str | None) -> None:
    """Create an API token for a host and print only it (it is shown this once)."""
    expires_at = _expiry(expires)

    async def work() -> str:
        host = await hosts.get_by_email(email)
        created = await hosts.issue_token(host.id, ApiTokenCreate(name=name, expires_at=expires_at))
        return created.token

    click.echo(_run_db(_settings(), work))


@tokens.command("list")
@click.argument("email")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens")
def tokens_list(email: str, include_revoked: bool) -> None:
    """List a host's API tokens (never their secrets), newest first."""

    async def work() -> list[ApiToken]:
        host = await hosts.get_by_email(email)
        return await hosts.list_tokens(host.id, include_revoked=include_revoked)

    now = datetime.now(UTC)
    rows = [("ID", "NAME", "CREATED", "LAST USED", "EXPIRES", "STATE")]
    for token in _run_db(_settings(), work):
        state = (
            "revoked"
            if token.revoked_at
            else "expired"
            if token.expires_at and token.expires_at <= now
            else "active"
        )
        rows.append(
            (
                str(token.id),
                token.name,
                _when(token.created_at),
                _when(token.last_used_at),
                _when(token.expires_at) if token.expires_at else "never",
                state,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@tokens.command("revoke")
@click.argument("email")
@click.argument("token_id", metavar="ID", type=int)
def tokens_revoke(email: str, token_id: int) -> None:
    """Revoke one of a host's API tokens; requests with it are refused from now on."""

    async def work() -> None:
        host = await hosts.get_by_email(email)
        await hosts.revoke_token(host.id, token_id)

    _run_db(_settings(), work)
    click.echo(f"Revoked token {token_id}.")


def _sync_summary(run: SyncRun) -> str:
    done = "; ".join(
        f"{side}: " + ", ".join(f"{n} {op}" for op, n in sorted(ops.items()))
        for side, ops in sorted(run.counts.items())
        if ops
    )
    return done or "nothing to do"


@main.command()
@click.argument("account_id", metavar="ACCOUNT", type=click.IntRange(1, 2**31 - 1))
@click.option("--dry-run", is_flag=True, help="Show the plan without writing anything")
@click.option("--confirm", is_flag=True, help="Go on although the run stops to ask")
def sync(account_id: int, dry_run: bool, confirm: bool) -> None:
    """Run ACCOUNT's calendar sync now (its id: GET /api/v1/calendar-accounts).

    Runs here, under the account's lock (it waits for a worker's run of the same
    account to finish). A dry run prints the plan.
    """
    settings = _settings()
    configure_stdlib_logging(settings)

    async def work() -> SyncRun:
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        try:
            services = sync_services(
                calendar_environment(settings),
                locks=account_locks(settings, redis),
                on_queued=lambda: None,
            )
            options = RunOptions(trigger="cli", dry_run=dry_run, confirm=confirm)
            with click.progressbar(length=1, label="Syncing", show_pos=True) as bar:

                def progress(done: int, total: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                record = await services.engine.run(account_id, options, progress)
            return sync_service.to_run(record)
        finally:
            if redis is not None:
                await redis.aclose()

    run = _run_db(settings, work)
    if run.dry_run:
        for entry in run.plan:
            skipped = f"  (skipped: {entry.skipped})" if entry.skipped else ""
            click.echo(
                f"{entry.side:8} {entry.operation:6} {entry.start:%Y-%m-%d %H:%M} "
                f"{entry.title}{skipped}"
            )
    for conflict in run.conflicts:
        click.echo(f"conflict: {conflict}")
    for error in run.errors:
        click.echo(f"error: {error.message}", err=True)
    click.echo(f"{run.status}: {_sync_summary(run)}")
    if run.status == "stopped":
        raise click.ClickException(
            f"the run stopped to ask ({run.stop_reason}); look at the plan "
            "(--dry-run) and run again with --confirm to go on"
        )
    if run.status == "failed":
        raise click.ClickException("the sync failed")


DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed for the newcomer; a demo only
DEMO_EVENT_TYPES = (
    EventTypeCreate(
        title="Intro call",
        slug="intro",
        description="A quick first conversation.",
        duration_minutes=15,
        location_kind="phone",
        location_value="+49 30 1234567",
    ),
    EventTypeCreate(
        title="Consultation",
        slug="consultation",
        description="An hour to go through your project in depth.",
        duration_minutes=60,
        buffer_after_minutes=15,
        minimum_notice_minutes=240,
        location_kind="in_person",
        location_value="Alexanderplatz 1, Berlin",
    ),
)


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
        # The default schedule already holds Mon-Fri 09:00-17:00; add the two event
        # types a newcomer can book at once.
        existing = {et.slug for et in await event_types.list_for_host(host.id)}
        for demo in DEMO_EVENT_TYPES:
            if demo.slug not in existing:
                await event_types.create(host.id, demo)
        await connect_demo_feed(calendar_environment(settings), host.id)
        return host.slug

    settings = _settings()
    slug = _run_db(settings, work)
    click.echo(f"Demo host: sign in at /login as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    click.echo(f"Booking page: /{slug}  (event types: /{slug}/intro, /{slug}/consultation)")


if __name__ == "__main__":
    main()
