"""What the OpenAPI document says beyond the handlers' signatures: the problem
responses each operation can give, and the links from a created resource to the
operations on it (which schemathesis follows in its stateful tests).

Responses that follow from how a route is built are added to every operation by
:class:`ApiDocument`, so they cannot drift from the code that causes them: 400 for
every operation (web.limits and parameter validation), 401 where a token is
required (the router's security requirement, which its guard enforces), 404 where
the path names something, 413 and 415 where a body is read, 429 for writes behind the rate
limiter. What a service decides (403, 409, 422) each handler declares with
``responses=problems(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Link, OpenAPIResponse, Operation
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from web.errors import PROBLEM_JSON, Problem
from web.limits import MAX_JSON_DEPTH, body_media_type

WHEN: dict[int, str] = {
    400: (
        "Malformed request: a parameter or body field of the wrong type, beyond its "
        "documented bounds or unknown; a character that cannot be stored (NUL); JSON "
        f"nested deeper than {MAX_JSON_DEPTH} levels. `errors` names the fields."
    ),
    401: "Missing, malformed, unknown or revoked API token.",
    403: "Not allowed now (for example: the booking has already started).",
    404: "Nothing exists at this address, or it is not yours: nothing is revealed.",
    409: "Conflicts with the current state: a value already taken (`field`), a slot no "
    "longer free, a booking already cancelled, a resource still in use.",
    413: "The body is larger than 10 MB.",
    415: "The body is not the media type the operation takes (see Accept-Post / Accept-Patch).",
    422: "Well-formed but not acceptable: an unknown time zone, a date outside 1900-2200 "
    "or too far ahead, a rule of the resource. `errors` names the fields.",
    429: "Too many writes from this client; see Retry-After.",
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """``responses=`` for a route handler: these statuses answer a problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=WHEN[status],
            generate_examples=False,
        )
        for status in statuses
    }


def _route_problems(route: HTTPRoute, handler: HTTPRouteHandler) -> list[int]:
    statuses = [400]
    if handler.resolve_security():  # the bearer token the guard checks
        statuses.append(401)
    if route.path_parameters:
        statuses.append(404)
    if body_media_type(handler) is not None:
        statuses += [413, 415]
    # The limiter counts writes only (web.app's check_throttle_handler).
    limited = any(
        getattr(m, "middleware", None) is RateLimitMiddleware for m in handler.resolve_middleware()
    )
    if limited and "POST" in handler.http_methods:
        statuses.append(429)
    return statuses


# ---------------------------------------------------------------------------- links


@dataclass(frozen=True)
class Follow:
    """Operations a response leads to, and the parameter its value fills."""

    parameter: str
    value: str
    operations: tuple[str, ...]


#: From the response of the operation named by the key, by operation id.
LINKS: dict[str, tuple[Follow, ...]] = {
    "createContact": (
        Follow(
            "contact_id", "$response.body#/id", ("getContact", "updateContact", "deleteContact")
        ),
    ),
    "createActivity": (
        Follow(
            "activity_id",
            "$response.body#/id",
            ("getActivity", "updateActivity", "completeActivity", "deleteActivity"),
        ),
    ),
    "createSchedule": (
        Follow(
            "schedule_id", "$response.body#/id", ("getSchedule", "updateSchedule", "deleteSchedule")
        ),
    ),
    "createEventType": (
        Follow(
            "event_type_id",
            "$response.body#/id",
            (
                "getEventType",
                "updateEventType",
                "deleteEventType",
                "getEventTypeCalendars",
                "setEventTypeCalendars",
            ),
        ),
        # Its public page, under the host's slug (GET /api/v1/me).
        Follow(
            "event_slug",
            "$response.body#/slug",
            ("getPublicEventType", "listPublicSlots", "createPublicBooking"),
        ),
    ),
    "createPublicBooking": (
        Follow("uid", "$response.body#/uid", ("getBooking", "cancelBooking", "rescheduleBooking")),
    ),
}


@dataclass
class LinkedOperation(Operation):
    """An operation whose success response carries the :data:`LINKS` that start there."""

    def __post_init__(self) -> None:
        follows = LINKS.get(self.operation_id or "", ())
        if not follows or not self.responses:
            return
        response = next(iter(self.responses.values()))
        if not isinstance(response, OpenAPIResponse):
            return
        links: dict[str, Any] = dict(response.links or {})
        for follow in follows:
            for operation_id in follow.operations:
                name = operation_id[0].upper() + operation_id[1:]
                links[name] = Link(
                    operation_id=operation_id, parameters={follow.parameter: follow.value}
                )
        response.links = links


# ---------------------------------------------------------------------------- plugin


class ApiDocument(ReceiveRoutePlugin):
    """Adds the route-derived problem responses and the links (see the module)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            declared = dict(handler.responses or {})
            handler.responses = {**problems(*_route_problems(route, handler)), **declared}
            handler.operation_class = LinkedOperation
