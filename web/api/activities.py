"""Host API for the host's own activities and the activity types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter

from booking.activities import service as activities
from booking.activities.schemas import (
    Activity,
    ActivityCreate,
    ActivityType,
    ActivityTypeCreate,
    ActivityTypeUpdate,
    ActivityUpdate,
    GuestResolution,
)
from booking.hosts.schemas import Host
from web.api.params import PathId
from web.openapi import problems
from web.sync import SyncServices


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
        needs_attention: Annotated[
            bool | None,
            QueryParameter(
                description="true: only activities with a guest that matched several"
                " contacts and waits for the host to choose one."
            ),
        ] = None,
    ) -> list[Activity]:
        return await activities.list_for(host.id, start, end, completed, needs_attention)

    @post(operation_id="createActivity", responses=problems(422))
    async def create_activity(
        self,
        host: NamedDependency[Host],
        sync_services: NamedDependency[SyncServices],
        data: JSONBody[ActivityCreate],
    ) -> Activity:
        created = await activities.create(host.id, data)
        await sync_services.schedule_host(host.id, "crm")
        return created

    @get("/{activity_id:int}", operation_id="getActivity")
    async def get_activity(self, host: NamedDependency[Host], activity_id: PathId) -> Activity:
        return await activities.get(host.id, activity_id)

    @patch(
        "/{activity_id:int}",
        operation_id="updateActivity",
        summary="Change an activity (409 for synced fields of an event someone else organises)",
        responses=problems(409, 422),
    )
    async def update_activity(
        self,
        host: NamedDependency[Host],
        sync_services: NamedDependency[SyncServices],
        activity_id: PathId,
        data: JSONBody[ActivityUpdate],
    ) -> Activity:
        updated = await activities.update(host.id, activity_id, data)
        await sync_services.schedule_host(host.id, "crm")
        return updated

    @post("/{activity_id:int}/complete", operation_id="completeActivity", status_code=200)
    async def complete_activity(self, host: NamedDependency[Host], activity_id: PathId) -> Activity:
        # Completing is not synced: the event stays as it is (docs/sync.md).
        return await activities.update(host.id, activity_id, ActivityUpdate(completed=True))

    @post(
        "/{activity_id:int}/resolve-guest",
        operation_id="resolveActivityGuest",
        summary="Choose the contact of a guest whose address matched several",
        status_code=200,
        responses=problems(422),
    )
    async def resolve_guest(
        self, host: NamedDependency[Host], activity_id: PathId, data: JSONBody[GuestResolution]
    ) -> Activity:
        return await activities.resolve_guest(host.id, activity_id, data)

    @delete("/{activity_id:int}", operation_id="deleteActivity")
    async def delete_activity(
        self,
        host: NamedDependency[Host],
        sync_services: NamedDependency[SyncServices],
        activity_id: PathId,
    ) -> None:
        await activities.delete(host.id, activity_id)
        await sync_services.schedule_host(host.id, "crm")


class ActivityTypeController(Controller):
    """The team's activity types: every host sees and edits the same list."""

    path = "/activity-types"
    tags = ["Activities"]

    @get(operation_id="listActivityTypes", summary="The team's activity types")
    async def list_activity_types(self) -> list[ActivityType]:
        return await activities.types()

    @post(
        operation_id="createActivityType",
        summary="Add an activity type (name unique regardless of case, colour #rrggbb)",
        responses=problems(409, 422),
    )
    async def create_activity_type(self, data: JSONBody[ActivityTypeCreate]) -> ActivityType:
        return await activities.create_type(data)

    @patch(
        "/{type_id:int}",
        operation_id="updateActivityType",
        summary="Rename or recolour an activity type",
        responses=problems(409, 422),
    )
    async def update_activity_type(
        self, type_id: PathId, data: JSONBody[ActivityTypeUpdate]
    ) -> ActivityType:
        return await activities.update_type(type_id, data)

    @delete(
        "/{type_id:int}",
        operation_id="deleteActivityType",
        summary="Remove an activity type nothing uses (409 says how many use it)",
        responses=problems(409),
    )
    async def delete_activity_type(self, type_id: PathId) -> None:
        await activities.delete_type(type_id)
