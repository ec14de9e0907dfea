from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from integrations.jobs.health import queue_state
from web import database


class WorkerHeartbeat(msgspec.Struct):
    id: str
    host: str
    pid: int
    #: Seconds since the worker's last heartbeat (every few seconds while it lives).
    seconds_ago: float
    stale: bool


class QueueHealth(msgspec.Struct):
    #: Background jobs due now that no worker has taken yet.
    depth: int
    #: How long the longest-waiting of them has waited since it became due.
    oldest_due_seconds: float
    scheduled: int
    running: int
    workers: list[WorkerHeartbeat]


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    checks: dict[str, str]
    #: Only with Redis: the background job queue and the workers serving it.
    queue: QueueHealth | None = None


@get("/healthz", operation_id="health", tags=["Operations"], summary="Database and Redis checks")
async def healthz(request: Request[Any, Any, Any]) -> Response[Health]:
    checks: dict[str, str] = {}
    try:
        await database.ping(request.app.state.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    redis = request.app.state.redis
    queue: QueueHealth | None = None
    if redis is None:
        checks["redis"] = "not configured"
    else:
        try:
            await redis.ping()
            checks["redis"] = "ok"
            state = await queue_state(redis)
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
        else:
            beats = [
                WorkerHeartbeat(w.id, w.host, w.pid, w.seconds_ago, w.stale) for w in state.workers
            ]
            queue = QueueHealth(
                state.depth, state.oldest_due_seconds, state.scheduled, state.running, beats
            )
            # Reported, not failed on: the web answers bookings without workers, and a
            # load balancer must not take it out because the workers are being deployed.
            alive = sum(not w.stale for w in beats)
            checks["workers"] = f"{alive} alive" if alive else "none alive"
    healthy = all(v in {"ok", "not configured"} for k, v in checks.items() if k != "workers")
    return Response(
        Health(status="ok" if healthy else "unavailable", checks=checks, queue=queue),
        status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )
