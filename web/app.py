"""``create_app(settings)``: the composition root that wires every layer together."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from booking.bookings.links import LinkSigner
from booking.bookings.service import BookingEnvironment
from integrations.calendars.conflicts import ConflictBlocks
from integrations.calendars.runner import CalendarSyncRunner
from integrations.jobs.locks import AccountLocks, DatabaseLocks, RedisLocks
from integrations.jobs.queue import JobQueue, saq_queue
from integrations.mail import SmtpSender
from integrations.outbox import OutboxRunner
from integrations.providers.zoom import ZoomApp, ZoomEndpoints
from integrations.sync.runner import LinkedSyncRunner
from integrations.video.environment import VideoEnvironment
from integrations.video.jobs import video_job_handlers
from web import database
from web.api.routes import HOST_API, PUBLIC_API, WEBHOOKS
from web.api_docs import VendoredRedoc
from web.auth import provide_host, require_token
from web.calendars import calendar_services, token_vault
from web.csrf import csrf_middleware
from web.demo_feed import demo_feed
from web.errors import EXCEPTION_HANDLERS
from web.favicon import favicon
from web.head import answer_head_everywhere
from web.headers import security_headers
from web.health import healthz
from web.limits import EdgeLimits
from web.logs import structlog_plugin
from web.openapi import ApiDocument
from web.pages import account, activities_calendar
from web.pages import activities as activity_pages
from web.pages import booking as booking_pages
from web.pages import bookings as bookings_pages
from web.pages import calendars as calendar_pages
from web.pages import event_types as event_type_pages
from web.pages import explain as explain_pages
from web.pages import schedules as schedule_pages
from web.pages import sync as sync_pages
from web.pages import tokens as token_pages
from web.pages import video as video_pages
from web.sessions import SESSION_STORE, HostSessionConfig, session_store
from web.settings import Settings
from web.sync import sync_services
from web.throttle import sign_in_throttle

HERE = Path(__file__).parent
VERSION = "0.1.0"


def _derived_key(secret: str, purpose: str) -> bytes:
    # One SECRET_KEY, independent keys per purpose: a leak of one use reveals no other.
    return hashlib.sha256(f"rendezvous:{purpose}:{secret}".encode()).digest()


def booking_environment(settings: Settings) -> BookingEnvironment:
    return BookingEnvironment(
        links=LinkSigner(settings.public_url, _derived_key(settings.secret_key, "links")),
        mail_from=settings.mail_from,
        conflicts=ConflictBlocks(),
    )


def video_environment(settings: Settings, env: BookingEnvironment) -> VideoEnvironment:
    zoom = None
    if settings.zoom is not None:
        zoom = ZoomApp(
            settings.zoom.client_id,
            settings.zoom.client_secret,
            endpoints=ZoomEndpoints(
                settings.zoom_authorize_url,
                settings.zoom_token_url,
                settings.zoom_api_base,
                settings.zoom_revoke_url,
            ),
        )
    return VideoEnvironment(
        vault=token_vault(settings),
        public_url=settings.public_url,
        mail_from=settings.mail_from,
        bookings=env,
        zoom=zoom,
    )


def _rate_limit_store(redis: Redis | None) -> Store:
    # Shared across processes when Redis is configured, so N workers do not give N x the limit.
    if redis is None:
        return MemoryStore()
    return RedisStore(redis, namespace="rendezvous:rate_limit", handle_client_shutdown=False)


def account_locks(settings: Settings, redis: Redis | None) -> AccountLocks:
    """One sync per account in every process: in Redis when there is one (workers may
    be on several machines), else in the database's own terms."""
    if redis is not None:
        return RedisLocks(redis, lease=timedelta(seconds=settings.account_lock_seconds))
    return DatabaseLocks(settings.database_url, settings.var_dir / "locks")


def outbox_runner(settings: Settings, video: VideoEnvironment) -> OutboxRunner:
    return OutboxRunner(
        SmtpSender(settings.smtp_url) if settings.smtp_url else None,
        handlers=video_job_handlers(video),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def create_app(settings: Settings) -> Litestar:
    engine = database.build_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    env = booking_environment(settings)
    video = video_environment(settings, env)
    locks = account_locks(settings, redis)
    # With Redis, background work is the workers' (`rendezvous worker`): this process
    # only enqueues. Without, it runs here, on the loops of the embedded default.
    runner: OutboxRunner | JobQueue
    if settings.redis_url:
        runner = JobQueue(saq_queue(settings.redis_url), debounce=settings.push_debounce_seconds)
        calendars = calendar_services(settings, on_queued=runner.kick, locks=locks, queue=runner)
    else:
        runner = outbox_runner(settings, video)
        calendars = calendar_services(settings, on_queued=runner.kick, locks=locks)
    sync = sync_services(
        calendars.env,
        locks=locks,
        on_queued=runner.kick,
        queue=runner if isinstance(runner, JobQueue) else None,
    )
    throttle = sign_in_throttle(redis)

    async def connect() -> None:
        database.bind(engine)
        await database.start(engine)
        if isinstance(runner, JobQueue):
            await runner.start()
        else:
            runner.start()
        if isinstance(calendars.runner, CalendarSyncRunner):
            calendars.runner.start()
        if isinstance(sync.scheduler, LinkedSyncRunner):
            sync.scheduler.start()

    async def disconnect() -> None:
        if isinstance(sync.scheduler, LinkedSyncRunner):
            await sync.scheduler.stop()
        if isinstance(calendars.runner, CalendarSyncRunner):
            await calendars.runner.stop()
        await runner.stop()
        await database.stop(engine)
        if redis is not None:
            await redis.aclose()

    async def after_write(request: Request[Any, Any, Any]) -> None:
        # Deliver what a write queued (e-mails) now rather than at the next poll.
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            runner.kick()

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.rate_limit_per_minute),
        # Only writes: invitees browse slots freely, but booking is what gets abused.
        check_throttle_handler=lambda request: request.method == "POST",
    )

    api = Router(
        path="/api/v1",
        route_handlers=HOST_API,
        guards=[require_token],
        dependencies={"host": Provide(provide_host)},
        security=[{"BearerToken": []}],
        after_response=after_write,
    )
    public = Router(
        path="/api/v1/public",
        route_handlers=PUBLIC_API,
        middleware=[rate_limit.middleware],
        after_response=after_write,
        tags=["Public booking"],
    )
    secure = settings.public_url.startswith("https://")
    app = Litestar(
        route_handlers=[
            healthz,
            favicon,
            api,
            public,
            account.router,
            calendar_pages.router,
            booking_pages.router,
            video_pages.router,
            activity_pages.router,
            activities_calendar.router,
            sync_pages.router,
            bookings_pages.router,
            explain_pages.router,
            token_pages.router,
            event_type_pages.router,
            schedule_pages.router,
            *WEBHOOKS,
            # The demo's conflict calendar: only where this server may fetch itself.
            *([demo_feed] if settings.allow_private_urls else []),
            create_static_files_router(path="/static", directories=[HERE / "static"]),
        ],
        on_startup=[connect],
        on_shutdown=[disconnect],
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "redis": redis,
                "outbox": runner,
                "env": env,
                "calendars": calendars,
                "sync": sync,
                "video": video,
            }
        ),
        dependencies={
            "env": Provide(lambda: env, sync_to_thread=False),
            "calendar_services": Provide(lambda: calendars, sync_to_thread=False),
            "sync_services": Provide(lambda: sync, sync_to_thread=False),
            "video": Provide(lambda: video, sync_to_thread=False),
            "throttle": Provide(lambda: throttle, sync_to_thread=False),
        },
        stores={
            "rate_limit": _rate_limit_store(redis),
            SESSION_STORE: session_store(redis, settings.var_dir),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        # Outermost first: bad input is refused before anything reads it, and the session
        # is loaded before CSRF checks the token bound to it.
        middleware=[
            EdgeLimits(),
            HostSessionConfig(secure=secure).middleware,
            csrf_middleware(key=_derived_key(settings.secret_key, "csrf"), secure=secure),
        ],
        before_send=[security_headers(https=secure)],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="Rendezvous",
            version=VERSION,
            path="/schema",
            render_plugins=[VendoredRedoc()],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="rendezvous tokens create EMAIL"
                    )
                }
            ),
        ),
        plugins=[structlog_plugin(settings), ApiDocument()],
        debug=False,
    )
    answer_head_everywhere(app)
    return app
