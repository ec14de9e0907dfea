from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.event_types import service as event_types
from booking.event_types.schemas import EventType, EventTypeCreate, EventTypeUpdate
from booking.hosts.schemas import Host
from integrations.video.service import zoom_connected
from web.api.params import PathId
from web.openapi import problems


class EventTypeController(Controller):
    path = "/event-types"
    tags = ["Event types"]

    @get(operation_id="listEventTypes", summary="The host's event types, hidden ones included")
    async def list_event_types(self, host: NamedDependency[Host]) -> list[EventType]:
        return await event_types.list_for_host(host.id)

    @post(
        operation_id="createEventType", responses=problems(409, 422), summary="Create an event type"
    )
    async def create_event_type(
        self, host: NamedDependency[Host], data: JSONBody[EventTypeCreate]
    ) -> EventType:
        return await event_types.create(host.id, data, zoom_connected=zoom_connected)

    @get("/{event_type_id:int}", operation_id="getEventType", summary="One event type")
    async def get_event_type(self, host: NamedDependency[Host], event_type_id: PathId) -> EventType:
        return await event_types.get(host.id, event_type_id)

    @patch(
        "/{event_type_id:int}",
        operation_id="updateEventType",
        responses=problems(409, 422),
        summary="Change an event type",
    )
    async def update_event_type(
        self,
        host: NamedDependency[Host],
        event_type_id: PathId,
        data: JSONBody[EventTypeUpdate],
    ) -> EventType:
        return await event_types.update(host.id, event_type_id, data, zoom_connected=zoom_connected)

    @delete(
        "/{event_type_id:int}",
        operation_id="deleteEventType",
        responses=problems(409),
        summary="Delete an event type without bookings (hide one that has bookings)",
    )
    async def delete_event_type(self, host: NamedDependency[Host], event_type_id: PathId) -> None:
        await event_types.delete(host.id, event_type_id)
