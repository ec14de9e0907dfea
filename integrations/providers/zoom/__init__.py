"""Zoom: OAuth connection, tokens, and meetings for bookings.

``ZoomApp`` (client id/secret, endpoints, timeouts) is built by ``web`` from
settings; ``ZoomClient`` works for one connected account; errors are typed so the
outbox job can tell "retry later" from "reconnect needed" from "already gone".
"""

from integrations.providers.zoom.client import (
    DEFAULT_REFRESH_MARGIN,
    ZoomClient,
    ZoomMeeting,
    ZoomUser,
)
from integrations.providers.zoom.errors import (
    ZoomAuthError,
    ZoomError,
    ZoomFieldError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomUnavailable,
)
from integrations.providers.zoom.oauth import (
    DEFAULT_TIMEOUT,
    Timeout,
    ZoomApp,
    ZoomEndpoints,
)

__all__ = [
    "DEFAULT_REFRESH_MARGIN",
    "DEFAULT_TIMEOUT",
    "Timeout",
    "ZoomApp",
    "ZoomAuthError",
    "ZoomClient",
    "ZoomEndpoints",
    "ZoomError",
    "ZoomFieldError",
    "ZoomMeeting",
    "ZoomNotFound",
    "ZoomRateLimited",
    "ZoomUnavailable",
    "ZoomUser",
]
