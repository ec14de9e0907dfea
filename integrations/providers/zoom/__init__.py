"""Zoom: its OAuth app and a client for one connected account's meetings.

``ZoomApp`` (client id/secret, endpoints, timeouts) is built by ``web`` from
settings; ``ZoomClient`` works for one connected account. Failures are the shared
provider errors (:mod:`integrations.accounts.errors`), so the outbox job can tell
"retry later" from "reconnect needed" from "already gone".
"""

from integrations.providers.zoom.client import (
    DEFAULT_REFRESH_MARGIN,
    ZoomClient,
    ZoomMeeting,
    ZoomUser,
)
from integrations.providers.zoom.oauth import (
    DEFAULT_TIMEOUT,
    SCOPES,
    Timeout,
    ZoomApp,
    ZoomEndpoints,
)

__all__ = [
    "DEFAULT_REFRESH_MARGIN",
    "DEFAULT_TIMEOUT",
    "SCOPES",
    "Timeout",
    "ZoomApp",
    "ZoomClient",
    "ZoomEndpoints",
    "ZoomMeeting",
    "ZoomUser",
]
