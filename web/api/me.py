from __future__ import annotations

from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostUpdate
from web.openapi import problems


class MeController(Controller):
    path = "/me"
    tags = ["Me"]

    @get(operation_id="getMe", summary="The host the token belongs to")
    async def get_me(self, host: NamedDependency[Host]) -> Host:
        return host

    @patch(
        operation_id="updateMe",
        responses=problems(409, 422),
        summary="Change name, slug or time zone",
    )
    async def update_me(self, host: NamedDependency[Host], data: JSONBody[HostUpdate]) -> Host:
        return await hosts.update(host.id, data)
