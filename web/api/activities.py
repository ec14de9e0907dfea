"""Host API for the host's own activities and the activity types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter

from booking.activities import service as activities
from booking.activities.schemas import Activity, ActivityCreate, ActivityType, ActivityUpdate
from booking.hosts.schemas import Host
from web.api.params import PathId
from web.openapi import problems


class ActivityController(Controller):
    path = "/activities"
    tags = ["Activities"]

    @get(
        operation_id="listActivities",
        responses=problems(422),
        summary="The host's activities overlapping from..to",
    )
    async def list_activities(
        self,
        host: NamedDependency[Host],
        start: Annotated[datetime | None, QueryParameter(name="from")] = None,
        end: Annotated[datetime | None, QueryParameter(name="to")] = None,
        completed: FromQuery[bool | None] = None,
    ) -> list[Activity]:
        return await activities.list_for(host.id, start, end, completed)

    @post(operation_id="createActivity", responses=problems(422))
    async def create_activity(
        self, host: NamedDependency[Host], data: JSONBody[ActivityCreate]
    ) -> Activity:
        return await activities.create(host.id, data)

    @get("/{activity_id:int}", operation_id="getActivity")
    async def get_activity(self, host: NamedDependency[Host], activity_id: PathId) -> Activity:
        return await activities.get(host.id, activity_id)

    @patch("/{activity_id:int}", operation_id="updateActivity", responses=problems(422))
    async def update_activity(
        self,
        host: NamedDependency[Host],
        activity_id: PathId,
        data: JSONBody[ActivityUpdate],
    ) -> Activity:
        return await activities.update(host.id, activity_id, data)

    @post("/{activity_id:int}/complete", operation_id="completeActivity", status_code=200)
    async def complete_activity(self, host: NamedDependency[Host], activity_id: PathId) -> Activity:
        return await activities.update(host.id, activity_id, ActivityUpdate(completed=True))

    @delete("/{activity_id:int}", operation_id="deleteActivity")
    async def delete_activity(self, host: NamedDependency[Host], activity_id: PathId) -> None:
        await activities.delete(host.id, activity_id)


@get("/activity-types", operation_id="listActivityTypes", tags=["Activities"])
async def list_activity_types() -> list[ActivityType]:
    return await activities.types()
