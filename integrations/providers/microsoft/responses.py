"""Turning Microsoft Graph's answers into :mod:`integrations.accounts.errors`.

Graph's error body is ``{"error": {"code", "message"}}``; codes mix OData names
(``BadRequest``) and Exchange names (``ErrorItemNotFound``) and their case varies
(``syncStateNotFound`` / ``SyncStateNotFound``), so they are compared in lower case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests

from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    InsufficientScope,
    PreconditionFailed,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    SyncStateExpired,
    Unavailable,
)
from integrations.accounts.retry_after import retry_after_seconds

__all__ = ["graph_error", "json_of", "transport_error"]

#: A delta or sync state Graph no longer accepts: start a full sync.
_EXPIRED_STATE = frozenset({"syncstatenotfound", "resyncrequired", "syncstateinvalid"})
#: An id that cannot exist is as missing as one that does not.
_MISSING = frozenset({"erroritemnotfound", "errorinvalididmalformed", "itemnotfound"})


def _code_and_message(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.reason or ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", response.reason or ""
    return str(error.get("code") or ""), str(error.get("message") or "")


def graph_error(response: requests.Response, now: datetime) -> ProviderError:
    """The typed error for a Graph answer that is not a success."""
    status = response.status_code
    code, message = _code_and_message(response)
    lowered = code.lower()
    detail = f"Microsoft Graph answered {status} {code}: {message}".rstrip(": ")
    if status == 429 or (status == 503 and "retry-after" in response.headers):
        wait = retry_after_seconds(response.headers.get("Retry-After"), now)
        return RateLimited(detail, retry_after=wait, http_status=status, reason=code or None)
    if status >= 500:
        return Unavailable(detail, http_status=status, reason=code or None)
    if status == 410 or lowered in _EXPIRED_STATE:
        return SyncStateExpired(detail, http_status=status, reason=code or None)
    if status == 401:
        # The access token was refreshed and retried once already.
        return AuthExpired(detail, http_status=status, reason=code or None)
    if status == 403:
        # Graph says ErrorAccessDenied both for a missing scope and for a calendar
        # shared read-only; either way this grant may not do it.
        return InsufficientScope(detail, http_status=status, reason=code or None)
    if status == 404 or lowered in _MISSING:
        return RemoteNotFound(detail, http_status=status, reason=code or None)
    if status == 412 or lowered == "errorirresolvableconflict":
        return PreconditionFailed(detail, http_status=status, reason=code or None)
    return ProviderError(detail, http_status=status, reason=code or None)


def transport_error(exc: requests.RequestException) -> ProviderError:
    if isinstance(exc, requests.Timeout):
        return Unavailable("Microsoft Graph did not answer in time")
    return Unavailable(f"Microsoft Graph is unreachable: {exc}")


def json_of(response: requests.Response) -> dict[str, Any]:
    """A success's JSON object; anything else is :class:`BadResponse`."""
    try:
        body = response.json()
    except ValueError as exc:
        raise BadResponse("Microsoft Graph answered something that is not JSON") from exc
    if not isinstance(body, dict):
        raise BadResponse("Microsoft Graph answered JSON that is not an object")
    return body
