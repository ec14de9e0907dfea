"""One place that turns failures into responses.

API paths answer RFC 9457 problem documents; pages answer a friendly HTML page.
No stack trace ever reaches a client: unexpected errors are logged and answered 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from booking.errors import DomainError


class LoginRequired(Exception):
    """Raised by page guards; answered with a redirect to the sign-in page."""


class MalformedBody(ClientException):
    """The body cannot be read as the media type the operation takes (400)."""


class UnstorableValue(ValidationException):
    """A value holds a character no database can store (400 naming it, wherever it
    was sent, the path included)."""


class FieldProblem(msgspec.Struct, kw_only=True):
    field: str
    message: str
    #: Where the value was sent: body, query, path (null when a rule found it after parsing).
    source: str | None = None


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document: how every API error is answered.

    The OpenAPI document describes error responses with this (web.openapi); the
    handlers below build exactly these members, plus the extras of some errors.
    """

    #: ``/problems/<code>``; docs/api.md lists the codes.
    type: str
    title: str
    #: The HTTP status, repeated.
    status: int
    detail: str
    #: The path that was requested.
    instance: str
    #: invalid-input: each refused value.
    errors: list[FieldProblem] | msgspec.UnsetType = msgspec.UNSET
    #: already-exists: the field whose value is taken.
    field: str | msgspec.UnsetType = msgspec.UNSET
    #: Provider rate limits: seconds to wait, when the provider said.
    retry_after: float | msgspec.UnsetType = msgspec.UNSET


logger = logging.getLogger("rendezvous.errors")
PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"


def problem_type(code: str) -> str:
    # Relative URI reference (RFC 9457 §3.1.1); docs/api.md lists every code.
    return f"/problems/{code}"


def _respond(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if request.url.path.startswith(API_PREFIX) or "html" not in request.headers.get("accept", ""):
        body: dict[str, Any] = {
            "type": problem_type(code),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
            **(extra or {}),
        }
        return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    return Template(
        "error.html",
        context={"status": status, "title": title, "detail": detail},
        status_code=status,
        headers=headers,
        media_type=MediaType.HTML,
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _respond(
        request,
        status=exc.status_code,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        extra=exc.extra,
        headers={"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    extra: dict[str, Any] = {}
    detail = exc.detail if exc.detail and exc.detail != phrase else phrase
    if isinstance(exc, ValidationException):
        errors = exc.extra if isinstance(exc.extra, list) else []
        extra["errors"] = [
            {"field": e.get("key", ""), "message": e.get("message", ""), "source": e.get("source")}
            for e in errors
            if isinstance(e, dict)
        ]
        on_path = extra["errors"] and all(e["source"] == "path" for e in extra["errors"])
        if on_path and not isinstance(exc, UnstorableValue):
            # An id beyond its column's range (or below 1) names nothing that could
            # exist: the same 404 as an id that does not, and no word about ranges.
            return _respond(
                request, status=404, code="not-found", title="Not found",
                detail="Nothing exists at this address.",
            )  # fmt: skip
        if extra["errors"]:
            detail = "; ".join(
                f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                for e in extra["errors"]
            )
        code = "invalid-input" if extra["errors"] else "malformed-request"
    elif isinstance(exc, MalformedBody):
        code = "malformed-body"
    elif isinstance(exc.__cause__, SerializationException):
        code = "malformed-body"
        detail = f"The request body could not be decoded: {exc.detail}."
    else:
        code = phrase.lower().replace(" ", "-").replace("'", "")
    return _respond(
        request, status=status, code=code, title=phrase, detail=detail, extra=extra,
        headers=exc.headers,
    )  # fmt: skip


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal-error",
        title="Internal Server Error",
        detail="Something went wrong on our side. It has been logged; please try again.",
    )


def login_required_handler(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    target = request.url.path
    return Redirect("/login", query_params={"next": target}, status_code=303)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    LoginRequired: login_required_handler,
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
