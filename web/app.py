"""``create_app(settings)``: the composition root that wires every layer together."""

from __future__ import annotations

import hashlib
from pathlib import Path

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from redis.asyncio import Redis

from web import database
from web.api.me import MeController
from web.auth import provide_host, require_token
from web.errors import EXCEPTION_HANDLERS
from web.health import healthz
from web.logs import structlog_plugin
from web.pages import account
from web.settings import Settings

HERE = Path(__file__).parent
VERSION = "0.1.0"


def _derived_key(secret: str, purpose: str) -> bytes:
    # One SECRET_KEY, independent keys per purpose: a leak of one use reveals no other.
    return hashlib.sha256(f"rendezvous:{purpose}:{secret}".encode()).digest()


def create_app(settings: Settings) -> Litestar:
    engine = database.build_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None

    async def connect() -> None:
        database.bind(engine)
        await database.start(engine)

    async def disconnect() -> None:
        await database.stop(engine)
        if redis is not None:
            await redis.aclose()

    api = Router(
        path="/api/v1",
        route_handlers=[MeController],
        guards=[require_token],
        dependencies={"host": Provide(provide_host)},
        security=[{"BearerToken": []}],
    )
    secure = settings.public_url.startswith("https://")
    return Litestar(
        route_handlers=[
            healthz,
            api,
            account.router,
            create_static_files_router(path="/static", directories=[HERE / "static"]),
        ],
        on_startup=[connect],
        on_shutdown=[disconnect],
        state=State({"settings": settings, "engine": engine, "redis": redis}),
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            CookieBackendConfig(
                secret=_derived_key(settings.secret_key, "session"),
                httponly=True,
                secure=secure,
                samesite="lax",
            ).middleware
        ],
        csrf_config=CSRFConfig(
            secret=_derived_key(settings.secret_key, "csrf").hex(),
            cookie_secure=secure,
            # The API authenticates with bearer tokens, which a browser never sends on
            # its own, so cross-site forgery does not apply there.
            exclude=["/api/"],
        ),
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(
            title="Rendezvous",
            version=VERSION,
            path="/schema",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http", scheme="bearer", description="rendezvous tokens create EMAIL"
                    )
                }
            ),
        ),
        plugins=[structlog_plugin(settings)],
        debug=False,
    )
