"""What can go wrong talking to any provider (Google, Microsoft, CalDAV, ICS, Zoom),
typed so that callers decide what to do whichever provider it is. Every adapter
raises these and nothing else.

- :class:`AuthExpired` (and :class:`Revoked`): the grant no longer works. The account
  becomes "reconnect needed" (:mod:`.reconnect`); retrying is pointless until the
  host connects again.
- :class:`RateLimited`, :class:`Unavailable`: retry later, never sooner than
  ``retry_after`` when the provider said.
- :class:`SyncStateExpired`: the saved sync state (Google's syncToken, a Graph delta
  link, a DAV sync token) is no longer accepted: run a full sync.
- :class:`PreconditionFailed`: an etag precondition did not hold.
- :class:`RemoteNotFound`: the calendar, event or meeting does not exist (any more).
- :class:`InsufficientScope`: the grant lacks a scope the request needs (a read-only
  calendar grant asked to write): send the host through consent for it.
- :class:`BadResponse`: the provider answered something we cannot read.
- :class:`ProviderError` itself: the provider refused for another reason.

Each class carries its problem type (``code``) and the HTTP status a handler answers
when one reaches it: the problem is upstream, so 502/503; the states of the account
that the host can resolve are 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from booking.errors import DomainError

__all__ = [
    "AuthExpired",
    "BadResponse",
    "FieldError",
    "InsufficientScope",
    "PreconditionFailed",
    "ProviderError",
    "RateLimited",
    "RemoteNotFound",
    "Revoked",
    "SyncStateExpired",
    "Unavailable",
    "WriteRefused",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """A field of our request the provider refused (Zoom's ``{"field", "message"}``)."""

    #: The provider's name for it, dotted for nested ones (``settings.audio``).
    field: str
    message: str


class ProviderError(DomainError):
    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "provider-error"
    title: ClassVar[str] = "The provider refused the request"

    def __init__(
        self,
        detail: str,
        *,
        http_status: int | None = None,
        reason: int | str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        extra: dict[str, object] | None = None,
        errors_key: str = "provider_errors",
    ) -> None:
        if field_errors:
            # Not "errors": in our problem details those name fields of *our* request.
            # The key is the provider's (``zoom_errors``) where clients already read it.
            extra = {
                **(extra or {}),
                errors_key: [{"field": e.field, "message": e.message} for e in field_errors],
            }
        super().__init__(detail, extra=extra)
        self.http_status = http_status
        #: The provider's own error code: Google's ``reason``, Zoom's numeric ``code``,
        #: OAuth's ``error`` (``invalid_grant``).
        self.reason = reason
        #: The fields the provider refused, in its order; empty for other errors.
        self.field_errors = field_errors


class AuthExpired(ProviderError):
    status_code = 409
    code = "provider-reconnect-needed"
    title = "The account needs reconnecting"


class Revoked(AuthExpired):
    """The provider says the grant is gone (``invalid_grant``: revoked by the user,
    the app removed, a refresh token spent twice)."""

    code = "provider-access-revoked"
    title = "Access to the account was revoked"


class InsufficientScope(ProviderError):
    status_code = 409
    code = "provider-scope-missing"
    title = "The account did not grant this permission"


class RateLimited(ProviderError):
    status_code = 503
    code = "provider-rate-limited"
    title = "The provider's rate limit was reached"

    def __init__(
        self,
        detail: str,
        *,
        retry_after: float | None,
        daily_limit: bool = False,
        http_status: int | None = 429,
        reason: int | str | None = None,
    ) -> None:
        super().__init__(
            detail,
            http_status=http_status,
            reason=reason,
            extra={"retry_after": retry_after} if retry_after is not None else None,
        )
        #: Seconds to wait before trying again, when the provider said.
        self.retry_after = retry_after
        #: A per-day quota (Zoom's daily create limit), not a per-second throttle.
        self.daily_limit = daily_limit


class Unavailable(ProviderError):
    """5xx, connection refused or reset, or a timeout."""

    status_code = 503
    code = "provider-unavailable"
    title = "The provider is unavailable"


class SyncStateExpired(ProviderError):
    status_code = 502
    code = "provider-sync-state-expired"
    title = "The saved sync state expired"


class PreconditionFailed(ProviderError):
    status_code = 409
    code = "provider-precondition-failed"
    title = "The item changed since it was read"


class WriteRefused(ProviderError):
    """The provider refuses this write for good: the host does not organise the event
    (Google ``forbiddenForNonOrganizer``), the calendar is shared read-only (Google
    ``requiredAccessLevel``, Graph ``ErrorAccessDenied``, a DAV 403). Retrying changes
    nothing: the sync run records it and does not try the same write again."""

    status_code = 409
    code = "provider-write-refused"
    title = "The provider refused to change this event"


class RemoteNotFound(ProviderError):
    status_code = 404
    code = "provider-not-found"
    title = "Not found at the provider"


class BadResponse(ProviderError):
    """An answer we cannot read: invalid JSON, a missing field, a token reply
    without a token."""

    code = "provider-bad-response"
    title = "The provider answered something unreadable"
