"""Turning Zoom's error responses into typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from integrations.accounts.errors import (
    AuthExpired,
    FieldError,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    Unavailable,
)
from integrations.accounts.retry_after import retry_after_seconds

__all__ = ["INVALID_ACCESS_TOKEN", "api_code", "error_from_response", "field_errors"]

#: Zoom's code for an access token it does not accept (expired, revoked, garbage).
INVALID_ACCESS_TOKEN = 124
#: 400, not 403: the token lacks a scope the endpoint needs (the app's scopes grew
#: after the host connected); only a new consent fixes it.
_MISSING_SCOPES = 4711


def api_code(response: requests.Response) -> int | None:
    body = _json(response)
    code = body.get("code")
    return code if isinstance(code, int) else None


def field_errors(body: dict[str, Any]) -> tuple[FieldError, ...]:
    """The ``errors`` of a validation failure (``{"code": 300, "message": "Validation
    Failed.", "errors": [{"field", "message"}]}``); entries without a field are skipped."""
    listed = body.get("errors")
    if not isinstance(listed, list):
        return ()
    return tuple(
        FieldError(str(item["field"]), str(item.get("message") or "Invalid field."))
        for item in listed
        if isinstance(item, dict) and item.get("field")
    )


def _describe(errors: tuple[FieldError, ...]) -> str:
    named = "; ".join(f"{e.field} ({e.message.rstrip('.')})" for e in errors)
    return f" Refused field{'s' if len(errors) > 1 else ''}: {named}."


def error_from_response(response: requests.Response, now: datetime) -> ProviderError:
    """The typed error for a non-2xx API response (``{"code", "message"}`` bodies, with
    ``errors`` naming the fields for a validation failure)."""
    body = _json(response)
    code = body.get("code")
    message = str(body.get("message") or response.reason or "no message")
    status = response.status_code
    refused = field_errors(body)
    detail = f"Zoom answered {status}: {message}"
    if refused:
        # Zoom's message is just "Validation Failed."; the fields are what matter.
        detail += _describe(refused)
    if status == 429:
        # Zoom's daily limit sometimes comes without Retry-After or X-RateLimit-Type
        # (seen in the wild); its message always says "daily" and 00:00 GMT.
        daily = (
            response.headers.get("X-RateLimit-Type", "").lower() == "daily-limit"
            or "daily" in message.lower()
        )
        retry_after = retry_after_seconds(response.headers.get("Retry-After"), now)
        if retry_after is None and daily:
            retry_after = (_next_utc_midnight(now) - now).total_seconds()
        return RateLimited(detail, retry_after=retry_after, daily_limit=daily, reason=code)
    if status >= 500:
        return Unavailable(detail, http_status=status, reason=code)
    if status == 404:
        return RemoteNotFound(detail, http_status=status, reason=code)
    if status == 401 or code == _MISSING_SCOPES:
        return AuthExpired(detail, http_status=status, reason=code)
    return ProviderError(
        detail, http_status=status, reason=code, field_errors=refused, errors_key="zoom_errors"
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _next_utc_midnight(now: datetime) -> datetime:
    today = now.astimezone(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)
