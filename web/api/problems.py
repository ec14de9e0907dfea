"""The RFC 9457 problem document as OpenAPI sees it, for routes' documented 4xx answers.

``web.errors`` writes these documents; this only describes them, so a client (or
schemathesis) knows every error comes as ``application/problem+json`` in one shape.
"""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from web.errors import PROBLEM_JSON


class ProblemField(msgspec.Struct, kw_only=True):
    field: str
    message: str
    source: str | msgspec.UnsetType | None = msgspec.UNSET


class Problem(msgspec.Struct, kw_only=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    #: The fields refused, on 400 and 422 answers about input.
    errors: list[ProblemField] | msgspec.UnsetType = msgspec.UNSET
    #: The unique value that is taken, on 409 already-exists.
    field: str | msgspec.UnsetType = msgspec.UNSET


_WHEN = {
    400: "Malformed body, or a field of the wrong type, too long or unknown",
    401: "Missing, wrong, expired or revoked API token",
    404: "No such resource, or not yours",
    409: "A unique value is taken, or the request conflicts with the current state",
    422: "A well-formed value that is not acceptable",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """``responses=`` for a route: each status answered with a problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=_WHEN.get(status, HTTPStatus(status).phrase),
            generate_examples=False,
        )
        for status in statuses
    }
