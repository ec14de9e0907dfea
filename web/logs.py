"""Structured logs: with ``LOG_FORMAT=json`` every line is one JSON object, ours (request
logs through structlog) and everyone else's (uvicorn, piccolo, the outbox, through the
standard library), so a log shipper never meets a line it cannot parse.

:func:`configure_stdlib_logging` is called by ``rendezvous serve`` before uvicorn starts
(its supervisor process logs too, and never builds the app), and the app's structlog
plugin applies the same configuration in each worker.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import structlog
from litestar.logging.config import (
    LoggingConfig,
    StructLoggingConfig,
    default_logger_factory,
    default_structlog_processors,
)
from litestar.middleware.logging import LoggingMiddlewareConfig
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin

from web.settings import Settings


def _stdlib_processors(as_json: bool) -> list[Any]:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        # A traceback becomes one "exception" field, not lines of its own.
        structlog.processors.format_exc_info,
        renderer,
    ]


def _drop_colour(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    # uvicorn adds a copy of its message with terminal colour codes.
    event.pop("color_message", None)
    return event


def _pre_chain() -> list[Any]:
    # Applied to records that did not come through structlog (uvicorn, piccolo, ours).
    return [
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_colour,
    ]


def stdlib_logging_config(settings: Settings) -> LoggingConfig:
    return LoggingConfig(
        root={"level": settings.log_level, "handlers": ["queue_listener"]},
        formatters={
            "standard": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": _stdlib_processors(settings.log_json),
                "foreign_pre_chain": _pre_chain(),
            }
        },
        # uvicorn's own loggers carry handlers when it configures them; we pass it
        # log_config=None, so they propagate here instead.
        loggers={
            "uvicorn": {"level": settings.log_level, "propagate": True},
            "uvicorn.error": {"level": settings.log_level, "propagate": True},
            # Our request logs replace it; it would also print signed links' tokens.
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
        log_exceptions="debug",
    )


def configure_stdlib_logging(settings: Settings) -> None:
    """For processes that log before (or without) building the app: the CLI's."""
    stdlib_logging_config(settings).configure()


def structlog_plugin(settings: Settings) -> StructlogPlugin:
    return StructlogPlugin(
        StructlogConfig(
            structlog_logging_config=StructLoggingConfig(
                # From LOG_FORMAT, not from whether stderr is a terminal.
                processors=default_structlog_processors(as_json=settings.log_json),
                logger_factory=default_logger_factory(as_json=settings.log_json),
                # Honour LOG_LEVEL for structlog's own loggers (request logs) too.
                wrapper_class=structlog.make_filtering_bound_logger(
                    logging.getLevelNamesMapping()[settings.log_level]
                ),
                # Expected errors (404, 409...) are answers, not incidents; unexpected
                # ones are logged once, with their traceback, by web.errors.
                log_exceptions="debug",
                pretty_print_tty=False,
                standard_lib_logging_config=stdlib_logging_config(settings),
            ),
            middleware_logging_config=LoggingMiddlewareConfig(
                # Not the query: signed booking links carry their token there.
                request_log_fields=("path", "method"),
                response_log_fields=["status_code"],
                # Never log credentials.
                request_headers_to_obfuscate={"authorization", "cookie", "x-csrftoken"},
                response_headers_to_obfuscate={"set-cookie"},
            ),
        )
    )
