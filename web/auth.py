"""Who is calling: bearer tokens for /api/v1, a session cookie for pages."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from booking.errors import Unauthorized
from booking.hosts import service as hosts
from booking.hosts.schemas import Host
from web.errors import LoginRequired

SESSION_HOST_KEY = "host_id"


async def require_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for the host API: ``Authorization: Bearer <token>``."""
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    connection.state.host = await hosts.authenticate_token(token.strip())


async def require_session(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for host pages; the login page sends the browser back afterwards."""
    host_id = connection.session.get(SESSION_HOST_KEY) if connection.scope.get("session") else None
    if host_id is None:
        raise LoginRequired
    connection.state.host = await hosts.get(int(host_id))


async def provide_host(request: Request[Any, Any, Any]) -> Host:
    host: Host = request.state.host
    return host
