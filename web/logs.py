"""Structured logs: JSON lines (or console) through structlog, for our logs and everyone else's."""

from __future__ import annotations

import logging

import structlog
from litestar.logging.config import LoggingConfig, StructLoggingConfig
from litestar.middleware.logging import LoggingMiddlewareConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin

from web.settings import Settings


def structlog_plugin(settings: Settings) -> StructlogPlugin:
    return StructlogPlugin(
        StructlogConfig(
            structlog_logging_config=StructLoggingConfig(
                # Honour LOG_LEVEL for structlog's own loggers (request logs) too.
                wrapper_class=structlog.make_filtering_bound_logger(
                    logging.getLevelNamesMapping()[settings.log_level]
                ),
                # Expected errors (404, 409...) are answers, not incidents; unexpected
                # ones are logged once, with their traceback, by web.errors.
                log_exceptions="debug",
                pretty_print_tty=not settings.log_json,
                # Route stdlib loggers (uvicorn, piccolo, ours) through the same renderer.
                standard_lib_logging_config=LoggingConfig(
                    root={"level": settings.log_level, "handlers": ["queue_listener"]},
                    log_exceptions="debug",
                ),
            ),
            middleware_logging_config=LoggingMiddlewareConfig(
                request_log_fields=("path", "method", "query"),
                response_log_fields=["status_code"],
                # Never log credentials.
                request_headers_to_obfuscate={"authorization", "cookie", "x-csrftoken"},
                response_headers_to_obfuscate={"set-cookie"},
            ),
        )
    )
