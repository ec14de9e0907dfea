from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from web import database


class Health(msgspec.Struct):
    status: str
    checks: dict[str, str]


@get("/healthz", operation_id="health", tags=["Operations"], summary="Database and Redis checks")
async def healthz(request: Request[Any, Any, Any]) -> Response[Health]:
    checks: dict[str, str] = {}
    try:
        await database.ping(request.app.state.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    redis = request.app.state.redis
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v in {"ok", "not configured"} for v in checks.values())
    return Response(
        Health(status="ok" if healthy else "unavailable", checks=checks),
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )
