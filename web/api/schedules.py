from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.hosts.schemas import Host
from booking.schedules import service as schedules
from booking.schedules.schemas import Schedule, ScheduleCreate, ScheduleUpdate
from web.api.params import PathId
from web.openapi import problems


class ScheduleController(Controller):
    path = "/schedules"
    tags = ["Schedules"]

    @get(operation_id="listSchedules", summary="The host's schedules, the default first")
    async def list_schedules(self, host: NamedDependency[Host]) -> list[Schedule]:
        return await schedules.list_for_host(host.id)

    @post(operation_id="createSchedule", responses=problems(422), summary="Create a schedule")
    async def create_schedule(
        self, host: NamedDependency[Host], data: JSONBody[ScheduleCreate]
    ) -> Schedule:
        return await schedules.create(host.id, data)

    @get("/{schedule_id:int}", operation_id="getSchedule", summary="One schedule")
    async def get_schedule(self, host: NamedDependency[Host], schedule_id: PathId) -> Schedule:
        return await schedules.get(host.id, schedule_id)

    @patch(
        "/{schedule_id:int}",
        operation_id="updateSchedule",
        responses=problems(422),
        summary="Change a schedule; weekly and overrides are replaced whole",
    )
    async def update_schedule(
        self,
        host: NamedDependency[Host],
        schedule_id: PathId,
        data: JSONBody[ScheduleUpdate],
    ) -> Schedule:
        return await schedules.update(host.id, schedule_id, data)

    @delete(
        "/{schedule_id:int}",
        operation_id="deleteSchedule",
        responses=problems(409),
        summary="Delete a schedule; its event types fall back to the default",
    )
    async def delete_schedule(self, host: NamedDependency[Host], schedule_id: PathId) -> None:
        await schedules.delete(host.id, schedule_id)
