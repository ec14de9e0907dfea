"""Who is calling: bearer tokens for /api/v1, a session cookie for pages."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from booking.errors import NotFound, Unauthorized
from booking.hosts import service as hosts
from booking.hosts.schemas import Host
from web.errors import LoginRequired
from web.sessions import SESSION_HOST_KEY, SESSION_STAMP_KEY, sign_out


async def require_token(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for the host API: ``Authorization: Bearer <token>``."""
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
    connection.state.host = await hosts.authenticate_token(token.strip())


async def session_host(connection: ASGIConnection[Any, Any, Any, Any]) -> Host | None:
    """The host this browser is signed in as, or None.

    A session whose password stamp is not the host's current one was opened before a
    password change: it ends here.
    """
    session = connection.scope.get("session")
    if not isinstance(session, dict):
        return None
    host_id, stamp = session.get(SESSION_HOST_KEY), session.get(SESSION_STAMP_KEY)
    if not isinstance(host_id, int) or not isinstance(stamp, str):
        return None
    try:
        signed_in = await hosts.get_signed_in(host_id)
    except NotFound:
        signed_in = None
    if signed_in is None or not hmac.compare_digest(signed_in.stamp, stamp):
        sign_out(connection)
        return None
    return signed_in.host


async def require_session(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for host pages; the login page sends the browser back afterwards."""
    host = await session_host(connection)
    if host is None:
        raise LoginRequired
    connection.state.host = host


async def provide_host(request: Request[Any, Any, Any]) -> Host:
    host: Host = request.state.host
    return host
