"""The host's video conferencing account (Zoom): status, connect link, disconnect."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.hosts.schemas import Host
from integrations.video import service as video_service
from integrations.video.environment import ZOOM_CONNECT_PATH, VideoEnvironment
from integrations.video.schemas import VideoAccount, VideoAccountConnect, VideoConnectLink
from web.api.params import PathId
from web.openapi import problems


class VideoAccountController(Controller):
    path = "/video-accounts"
    tags = ["Video conferencing"]

    @get(
        operation_id="listVideoAccounts",
        summary="The connected Zoom account (at most one), its Zoom user and status",
    )
    async def list_accounts(self, host: NamedDependency[Host]) -> list[VideoAccount]:
        return await video_service.list_accounts(host.id)

    @post(
        operation_id="connectVideoAccount",
        responses=problems(422),
        summary="Start connecting Zoom: returns the address to open in a signed-in browser",
        status_code=201,
    )
    async def connect_account(
        self, video: NamedDependency[VideoEnvironment], data: JSONBody[VideoAccountConnect]
    ) -> VideoConnectLink:
        # Zoom's consent must come back to the browser session that asked for it
        # (state and PKCE verifier live there), so the API can only hand out the page.
        video_service.zoom_app(video)
        return VideoConnectLink(authorize_url=video.public_url.rstrip("/") + ZOOM_CONNECT_PATH)

    @delete(
        "/{account_id:int}",
        operation_id="disconnectVideoAccount",
        summary="Disconnect Zoom: revokes the grant, forgets the tokens (meetings stay in Zoom)",
    )
    async def disconnect_account(
        self,
        host: NamedDependency[Host],
        video: NamedDependency[VideoEnvironment],
        account_id: PathId,
    ) -> None:
        await video_service.disconnect(video, host.id, account_id)
