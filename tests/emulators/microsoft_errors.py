"""Microsoft Graph's error shape for the emulator:
``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``
(https://learn.microsoft.com/graph/errors). Codes are the ones Graph sends for
Outlook resources, which mix OData names (``BadRequest``) and Exchange names
(``ErrorItemNotFound``); clients must compare codes case-insensitively."""

from __future__ import annotations

from datetime import datetime
from typing import Any


class GraphError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self, request_id: str, client_request_id: str, now: datetime) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    # Graph's innerError date has no zone designator.
                    "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                },
            }
        }


def item_not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def malformed_id() -> GraphError:
    return GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")


def access_denied() -> GraphError:
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def invalid_request(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidRequest", message)


def unknown_property(name: str, type_name: str) -> GraphError:
    # OData's wording for a body property the type does not define.
    return GraphError(
        400,
        "RequestBodyRead",
        f"The property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure "
        "to only use property names that are defined by the type or mark the type as open.",
    )


def bad_enum(value: Any, enum_type: str) -> GraphError:
    return GraphError(
        400,
        "RequestBodyRead",
        f"Cannot convert the literal '{value}' to the expected type 'microsoft.graph.{enum_type}'.",
    )
