"""Calendar sync: an account's settings (``PATCH /calendar-accounts/{id}``), runs and
their dry-run plans, and the run log (``/sync-runs``)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import Body, FromQuery, QueryParameter

from booking.hosts.schemas import Host
from integrations.sync import service as sync
from integrations.sync.engine import RunOptions
from integrations.sync.schemas import SyncRequest, SyncRun, SyncSettings, SyncSettingsUpdate
from web.api.params import Offset, PathId
from web.openapi import problems
from web.sync import SyncServices

logger = logging.getLogger("rendezvous.sync")
#: Background runs started by the API (kept referenced until they finish).
_RUNNING: set[asyncio.Task[object]] = set()


class SyncSettingsController(Controller):
    path = "/calendar-accounts/{account_id:int}"
    tags = ["Calendar sync"]

    @get(
        "/sync-settings",
        operation_id="getSyncSettings",
        responses=problems(404),
        summary="The account's sync with its linked calendar",
    )
    async def get_settings(self, host: NamedDependency[Host], account_id: PathId) -> SyncSettings:
        return await sync.get_settings(host.id, account_id)

    @patch(
        operation_id="updateSyncSettings",
        responses=problems(404, 409, 422),
        summary="Link a calendar and choose its sync mode and rules (one linked calendar "
        "per host: turning one on turns the others off)",
    )
    async def update_settings(
        self,
        host: NamedDependency[Host],
        sync_services: NamedDependency[SyncServices],
        account_id: PathId,
        data: Annotated[SyncSettingsUpdate, Body()],
    ) -> SyncSettings:
        updated = await sync.update_settings(
            host.id, account_id, data, sync_services.engine.clock()
        )
        if updated.mode != "off":
            # Turning sync on (or widening it) catches up at once.
            sync_services.scheduler.schedule_linked(account_id, "api")
        return updated

    @post(
        "/sync",
        operation_id="runSync",
        responses=problems(404, 409, 422),
        summary="Run the sync now; dry_run=true returns the plan without writing",
        description=(
            "A dry run lists every create, update and delete on each side (and what a "
            "barred operation, an unticked item or a refused write skips) with titles "
            "and times. Send `exclude_*_ids` to untick items of a reviewed plan: they stay "
            "out of every run until included again. `confirm=true` goes on after a run "
            "stopped to ask. With `wait=false` the run goes on in the background and the "
            "answer (202) is its log entry, whose progress `GET /sync-runs/{id}` follows."
        ),
        status_code=200,
    )
    async def run(
        self,
        host: NamedDependency[Host],
        sync_services: NamedDependency[SyncServices],
        account_id: PathId,
        dry_run: FromQuery[bool] = False,
        wait: FromQuery[bool] = True,
        data: Annotated[SyncRequest | None, Body()] = None,
    ) -> Response[SyncRun]:
        await sync.own_account(host.id, account_id)
        request = data or SyncRequest()
        options = RunOptions(
            trigger="api",
            dry_run=dry_run,
            confirm=request.confirm,
            exclude_activities=request.exclude_activity_ids,
            exclude_events=request.exclude_event_ids,
            include_activities=request.include_activity_ids,
            include_events=request.include_event_ids,
        )
        engine = sync_services.engine
        run_id = await engine.begin(account_id, options)
        if wait or dry_run:
            record = await engine.run(account_id, options, run_id=run_id)
            return Response(sync.to_run(record), status_code=200)
        task: asyncio.Task[object] = asyncio.create_task(
            engine.run(account_id, options, run_id=run_id), name=f"sync-run-{run_id}"
        )
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)
        return Response(await sync.get_run(host.id, run_id), status_code=202)


class SyncRunController(Controller):
    path = "/sync-runs"
    tags = ["Calendar sync"]

    @get(operation_id="listSyncRuns", summary="The sync run log, newest first")
    async def list_runs(
        self,
        host: NamedDependency[Host],
        account_id: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> list[SyncRun]:
        return await sync.list_runs(host.id, account_id=account_id, limit=limit, offset=offset)

    @get(
        "/{run_id:int}", operation_id="getSyncRun", responses=problems(404), summary="One sync run"
    )
    async def get_run(self, host: NamedDependency[Host], run_id: PathId) -> SyncRun:
        return await sync.get_run(host.id, run_id)
