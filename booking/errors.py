"""Domain errors. Each carries the HTTP status the web layer answers with.

One base class, so ``web`` maps every domain failure with a single handler into an
RFC 9457 problem document, and services never import anything HTTP-shaped.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a user can cause or must be told about."""

    status_code: ClassVar[int] = 400
    #: Short, stable slug; becomes the problem ``type`` URI's last segment.
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid-input"
    title = "Invalid input"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(
            f"{field}: {detail}", extra={"errors": [{"field": field, "message": detail}]}
        )
        self.field = field


class NotFound(DomainError):
    status_code = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


class AlreadyExists(Conflict):
    code = "already-exists"
    title = "Already exists"

    def __init__(self, field: str, detail: str) -> None:
        DomainError.__init__(self, detail, extra={"field": field})
        self.field = field


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
    title = "Unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    title = "Forbidden"
