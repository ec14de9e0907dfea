"""What can go wrong talking to a calendar provider, typed so the sync engine can
decide what to do, whichever provider it is.

- :class:`AuthExpired`: the grant is gone (refresh token revoked or expired, a 401
  that survives a refresh). The account becomes "reconnect needed"; retrying is
  pointless until the host connects again.
- :class:`RateLimited`, :class:`Unavailable`: retried with bounded backoff
  (``retry_after`` honoured when the provider sent one).
- :class:`SyncStateExpired`: the saved sync token is no longer accepted; run a full
  sync.
- :class:`PreconditionFailed`: an etag precondition did not hold (someone changed
  the event since we read it).
- :class:`RemoteNotFound`: the calendar or event does not exist (any more).
- :class:`ProviderError` itself: the provider refused for another reason.

HTTP statuses, for when one reaches a handler: the problem is upstream, so 502/503;
``AuthExpired`` is 409, a state of the account the host can resolve.
"""

from __future__ import annotations

from typing import ClassVar

from booking.errors import DomainError

__all__ = [
    "AuthExpired",
    "PreconditionFailed",
    "ProviderError",
    "RateLimited",
    "RemoteNotFound",
    "SyncStateExpired",
    "Unavailable",
]


class ProviderError(DomainError):
    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "calendar-provider-error"
    title: ClassVar[str] = "The calendar provider refused the request"

    def __init__(
        self, detail: str, *, http_status: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(detail)
        self.http_status = http_status
        #: The provider's own error code (Google's ``reason``, OAuth's ``error``).
        self.reason = reason


class AuthExpired(ProviderError):
    status_code = 409
    code = "calendar-reconnect-needed"
    title = "The calendar account needs reconnecting"


class RateLimited(ProviderError):
    status_code = 503
    code = "calendar-rate-limited"
    title = "The calendar provider's rate limit was reached"

    def __init__(
        self,
        detail: str,
        *,
        retry_after: float | None,
        http_status: int | None = 429,
        reason: str | None = None,
    ) -> None:
        super().__init__(detail, http_status=http_status, reason=reason)
        if retry_after is not None:
            self.extra["retry_after"] = retry_after
        #: Seconds to wait before trying again, when the provider said.
        self.retry_after = retry_after


class Unavailable(ProviderError):
    """5xx, connection refused or reset, or a timeout."""

    status_code = 503
    code = "calendar-unavailable"
    title = "The calendar provider is unavailable"


class SyncStateExpired(ProviderError):
    status_code = 502
    code = "calendar-sync-state-expired"
    title = "The saved sync state expired"


class PreconditionFailed(ProviderError):
    status_code = 409
    code = "calendar-precondition-failed"
    title = "The event changed since it was read"


class RemoteNotFound(ProviderError):
    status_code = 404
    code = "calendar-not-found"
    title = "Not found at the calendar provider"
