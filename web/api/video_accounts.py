"""The host's video conferencing account (Zoom): status, connect link, disconnect."""

from __future__ import annotations

from litestar import Controller
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.hosts.schemas import Host
from integrations.accounts.schemas import ConnectLink
from integrations.video import service as video_service
from integrations.video.environment import ZOOM_CONNECT_PATH, VideoEnvironment
from integrations.video.schemas import VideoAccount, VideoAccountConnect
from web.api.account_routes import consent_route, disconnect_route, list_route
from web.api.params import PathId


class VideoAccountController(Controller):
    path = "/video-accounts"
    tags = ["Video conferencing"]

    @list_route(
        "listVideoAccounts", "The connected Zoom account (at most one), its Zoom user and status"
    )
    async def list_accounts(self, host: NamedDependency[Host]) -> list[VideoAccount]:
        return await video_service.list_accounts(host.id)

    @consent_route(
        "connectVideoAccount",
        "Start connecting Zoom: returns the address to open in a signed-in browser",
    )
    async def connect_account(
        self, video: NamedDependency[VideoEnvironment], data: JSONBody[VideoAccountConnect]
    ) -> ConnectLink:
        video_service.zoom_app(video)  # 422 when Zoom is not configured
        return ConnectLink.to_page(video.public_url, ZOOM_CONNECT_PATH)

    @disconnect_route(
        "disconnectVideoAccount",
        "Disconnect Zoom: revokes the grant, forgets the tokens (meetings stay in Zoom)",
    )
    async def disconnect_account(
        self,
        host: NamedDependency[Host],
        video: NamedDependency[VideoEnvironment],
        account_id: PathId,
    ) -> None:
        await video_service.disconnect(video, host.id, account_id)
