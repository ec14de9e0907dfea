"""What the video integration needs, built by ``web`` from settings."""

from __future__ import annotations

from dataclasses import dataclass

from booking.bookings.service import BookingEnvironment
from integrations.accounts.environment import AccountsEnvironment
from integrations.providers.zoom import ZoomApp

#: Below the public URL: the page that starts Zoom's consent, and Zoom's way back.
ZOOM_CONNECT_PATH = "/dashboard/video/zoom/connect"
ZOOM_CALLBACK_PATH = "/dashboard/video/zoom/callback"
VIDEO_TAB_PATH = "/dashboard/video"


@dataclass(frozen=True)
class VideoEnvironment(AccountsEnvironment):
    #: Links and sender for the booking e-mails the meeting jobs queue.
    bookings: BookingEnvironment
    #: None when the server has no Zoom app (ZOOM_CLIENT_ID unset).
    zoom: ZoomApp | None = None

    @property
    def zoom_redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + ZOOM_CALLBACK_PATH
