"""The video conferencing tab: connect Zoom (OAuth with PKCE and a session-bound
``state``), see the connected Zoom user and the account's status, disconnect."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from booking.hosts.schemas import Host
from integrations.accounts.errors import ProviderError
from integrations.video import service as video_service
from integrations.video.environment import (
    VIDEO_TAB_PATH,
    ZOOM_CALLBACK_PATH,
    ZOOM_CONNECT_PATH,
    VideoEnvironment,
)
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.pages.consent import Callback, callback_route, redirect_to_consent

#: Session key of a consent in progress: ``Consent.pending`` (state, verifier, ...).
OAUTH_SESSION_KEY = "zoom_oauth"


async def _page(
    host: Host, video: VideoEnvironment, *, error: str | None = None, status: int = 200
) -> Template:
    accounts = await video_service.list_accounts(host.id)
    return Template(
        "video/index.html",
        context={
            "host": host,
            "account": accounts[0] if accounts else None,
            "zoom_configured": video.zoom is not None,
            "connect_path": ZOOM_CONNECT_PATH,
            "error": error,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get(VIDEO_TAB_PATH, guards=[require_session], include_in_schema=False)
async def video_page(
    host: NamedDependency[Host], video: NamedDependency[VideoEnvironment]
) -> Template:
    return await _page(host, video)


@get(ZOOM_CONNECT_PATH, guards=[require_session], include_in_schema=False)
async def connect_zoom(
    request: Request[Any, Any, Any],
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
) -> Redirect | Template:
    if video.zoom is None:
        return await _page(host, video, error="Zoom is not configured on this server.", status=400)
    consent = video.zoom.begin(video.zoom_redirect_uri, ())
    return redirect_to_consent(request, OAUTH_SESSION_KEY, consent)


@callback_route(ZOOM_CALLBACK_PATH, OAUTH_SESSION_KEY)
async def zoom_callback(
    host: NamedDependency[Host],
    video: NamedDependency[VideoEnvironment],
    callback: NamedDependency[Callback],
) -> Redirect | Template:
    if callback.pending is None:
        return await _page(
            host,
            video,
            error="This Zoom sign-in did not start here (or was already used). "
            "Nothing was connected; start again with Connect Zoom.",
            status=400,
        )
    if callback.error or not callback.code:
        why = callback.error or "no code"
        return await _page(host, video, error=f"Zoom did not grant access ({why}).", status=400)
    try:
        await video_service.connect_zoom(
            video, host.id, callback.pending, callback.response, video.bookings.clock()
        )
    except ProviderError as exc:
        return await _page(
            host, video, error=f"Zoom could not be connected: {exc.detail}", status=exc.status_code
        )
    return Redirect(VIDEO_TAB_PATH, status_code=303)


@post(
    VIDEO_TAB_PATH + "/accounts/{account_id:int}/disconnect",
    guards=[require_session],
    include_in_schema=False,
)
async def disconnect_account(
    host: NamedDependency[Host], video: NamedDependency[VideoEnvironment], account_id: FromPath[int]
) -> Redirect:
    await video_service.disconnect(video, host.id, account_id)
    return Redirect(VIDEO_TAB_PATH, status_code=303)


router = Router(
    path="/",
    route_handlers=[video_page, connect_zoom, zoom_callback, disconnect_account],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
