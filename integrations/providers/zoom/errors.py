"""What can go wrong talking to Zoom, typed so callers can decide what to do.

How the outbox job reacts to each:

- :class:`ZoomRateLimited`, :class:`ZoomUnavailable`: retry later (honour
  ``retry_after`` when set). The booking stays confirmed meanwhile.
- :class:`ZoomAuthError`: the grant is gone (revoked, app uninstalled, refresh token
  already used). Mark the video account "reconnect needed", tell the host, stop
  retrying until they reconnect.
- :class:`ZoomNotFound`: the meeting is gone; for a delete that is success.
- :class:`ZoomError` itself: Zoom refused the request for another reason (bad
  field, misconfigured client secret). Retrying the same request will not help.
  When Zoom refused fields (code 300, "Validation Failed."), ``field_errors`` names
  each one, and so does ``detail``: Zoom's own message says only "Validation Failed.".

Status codes (what the web layer answers when one of these reaches a handler):
the problem is upstream, so 502/503 rather than 4xx/500; ``ZoomAuthError`` is 409
because the video account is in a state (needs reconnecting) that conflicts with
the request and the host can resolve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from booking.errors import DomainError

__all__ = [
    "ZoomAuthError",
    "ZoomError",
    "ZoomFieldError",
    "ZoomNotFound",
    "ZoomRateLimited",
    "ZoomUnavailable",
]


@dataclass(frozen=True, slots=True)
class ZoomFieldError:
    """One entry of a validation failure's ``errors``: ``{"field", "message"}``."""

    #: Zoom's name for it, dotted for nested ones (``settings.audio``).
    field: str
    #: "Invalid field.", "Missing field." or more specific.
    message: str


class ZoomError(DomainError):
    """Zoom answered with an error; ``http_status`` and ``zoom_code`` say which."""

    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "zoom-error"
    title: ClassVar[str] = "Zoom refused the request"

    def __init__(
        self,
        detail: str,
        *,
        http_status: int | None = None,
        zoom_code: int | str | None = None,
        extra: dict[str, object] | None = None,
        field_errors: tuple[ZoomFieldError, ...] = (),
    ) -> None:
        if field_errors:
            # Not "errors": in our problem details those name fields of *our* request.
            extra = {
                **(extra or {}),
                "zoom_errors": [{"field": e.field, "message": e.message} for e in field_errors],
            }
        super().__init__(detail, extra=extra)
        self.http_status = http_status
        #: Zoom's numeric ``code`` for API errors, the OAuth ``error`` for token errors.
        self.zoom_code = zoom_code
        #: The fields Zoom refused, in its order; empty for other errors.
        self.field_errors = field_errors


class ZoomAuthError(ZoomError):
    status_code = 409
    code = "zoom-reconnect-needed"
    title = "Zoom account needs reconnecting"


class ZoomNotFound(ZoomError):
    status_code = 404
    code = "zoom-not-found"
    title = "Zoom meeting not found"


class ZoomUnavailable(ZoomError):
    """5xx, connection refused/reset, or a timeout."""

    status_code = 503
    code = "zoom-unavailable"
    title = "Zoom is unavailable"


class ZoomRateLimited(ZoomError):
    """429: per-second throttling, or the per-user daily create/update limit."""

    status_code = 503
    code = "zoom-rate-limited"
    title = "Zoom rate limit reached"

    def __init__(
        self,
        detail: str,
        *,
        retry_after: float | None,
        daily_limit: bool = False,
        http_status: int | None = 429,
        zoom_code: int | str | None = None,
    ) -> None:
        super().__init__(
            detail,
            http_status=http_status,
            zoom_code=zoom_code,
            extra={"retry_after": retry_after} if retry_after is not None else None,
        )
        #: Seconds to wait before trying again, when known.
        self.retry_after = retry_after
        #: True for the per-user daily limit, which resets at 00:00 UTC.
        self.daily_limit = daily_limit
