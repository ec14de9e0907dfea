"""Turning what googleapiclient and google-auth raise into :mod:`..errors`."""

from __future__ import annotations

import socket
from datetime import datetime

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from integrations.accounts.errors import (
    AuthExpired,
    InsufficientScope,
    PreconditionFailed,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    SyncStateExpired,
    Unavailable,
    WriteRefused,
)
from integrations.accounts.retry_after import retry_after_seconds

__all__ = ["FAILURES", "translate"]

#: Everything the Google client stack raises for a failed request.
FAILURES = (HttpError, RefreshError, TransportError, OSError, httplib2.HttpLib2Error)

_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
#: 403s that no retry and no new consent changes: the host is a guest of the event
#: (only its organiser may change it), or the calendar is shared with them read-only.
_REFUSED_REASONS = frozenset({"forbiddenForNonOrganizer", "requiredAccessLevel"})


def _reason(exc: HttpError) -> str | None:
    try:
        details = exc.error_details
    except AttributeError:
        return None
    if isinstance(details, list) and details and isinstance(details[0], dict):
        reason = details[0].get("reason")
        return reason if isinstance(reason, str) else None
    return None


def translate(exc: BaseException, now: datetime) -> ProviderError:
    """The typed error for a failed call; callers ``raise translate(exc) from exc``."""
    if isinstance(exc, HttpError):
        return _from_http(exc, now)
    if isinstance(exc, RefreshError):
        # google-auth marks 5xx and "temporarily_unavailable" answers retryable;
        # anything else (invalid_grant, a deleted OAuth client) needs a new consent.
        if exc.retryable:
            return Unavailable(f"Google's token endpoint failed: {exc}")
        reason = "invalid_grant" if "invalid_grant" in str(exc) else None
        return AuthExpired(f"Google no longer accepts this account's grant: {exc}", reason=reason)
    if isinstance(exc, socket.timeout | TimeoutError):
        return Unavailable("Google did not answer in time")
    if isinstance(exc, TransportError | OSError | httplib2.HttpLib2Error):
        return Unavailable(f"Google is unreachable: {exc}")
    return ProviderError(f"the Google client failed: {exc}")


def _from_http(exc: HttpError, now: datetime) -> ProviderError:
    status = exc.status_code
    reason = _reason(exc)
    detail = f"Google answered {status} {reason or ''}: {exc.reason}".replace("  ", " ")
    if status == 429 or (status == 403 and reason in _RATE_LIMIT_REASONS):
        header = exc.resp.get("retry-after") if exc.resp is not None else None
        return RateLimited(
            detail,
            retry_after=retry_after_seconds(header, now),
            http_status=status,
            reason=reason,
        )
    if status >= 500:
        return Unavailable(detail, http_status=status, reason=reason)
    if status == 401:
        # google-auth already refreshed once and retried; a second 401 means the
        # grant does not work any more.
        return AuthExpired(detail, http_status=status, reason=reason)
    if status == 410 and reason != "deleted":
        return SyncStateExpired(detail, http_status=status, reason=reason)
    if status in (404, 410):
        return RemoteNotFound(detail, http_status=status, reason=reason)
    if status == 403 and reason == "insufficientPermissions":
        # The grant lacks the scope (a read-only calendar grant asked to write).
        return InsufficientScope(detail, http_status=status, reason=reason)
    if status == 403 and reason in _REFUSED_REASONS:
        return WriteRefused(detail, http_status=status, reason=reason)
    if status == 412:
        return PreconditionFailed(detail, http_status=status, reason=reason)
    return ProviderError(detail, http_status=status, reason=reason)
