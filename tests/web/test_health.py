from __future__ import annotations

from dataclasses import replace

import httpx

from tests.conftest import REDIS_TEST_URL, serve_in_loop, unavailable
from web.app import create_app
from web.settings import Settings


async def test_healthz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured"},
    }


async def test_healthz_checks_redis_when_configured(settings: Settings) -> None:
    import redis.asyncio as aioredis

    try:
        await aioredis.from_url(REDIS_TEST_URL).ping()
    except OSError:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}")
    app = create_app(replace(settings, redis_url=REDIS_TEST_URL))
    async with serve_in_loop(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["redis"] == "ok"
    # The queue's shape; its figures are shown in tests/integrations/jobs/test_queue.py.
    assert set(body["queue"]) == {"depth", "oldest_due_seconds", "scheduled", "running", "workers"}


async def test_healthz_reports_unreachable_redis_as_unavailable(settings: Settings) -> None:
    # Port 9 (discard) is closed on loopback: connection refused, immediately.
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:9/0"))
    async with serve_in_loop(app) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


async def test_openapi_is_served_with_operation_ids_and_bearer_security(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    me = spec["paths"]["/api/v1/me"]
    assert me["get"]["operationId"] == "getMe"
    assert me["patch"]["operationId"] == "updateMe"
    assert me["get"]["security"] == [{"BearerToken": []}]
    assert spec["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
