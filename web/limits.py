"""Input every handler may assume: refused at the edge, before a handler or a
database sees it, the same way on SQLite and PostgreSQL.

- A character no database can store (NUL, which PostgreSQL's text types refuse and
  SQLite keeps; a lone UTF-16 surrogate, which neither driver can encode) in a path
  parameter, a query parameter or a body string: 400 naming the field.
- A body on an operation that takes JSON (or a form) sent as another media type:
  415. Without this, litestar parses any body as JSON whatever its Content-Type.
- JSON nested deeper than ``MAX_JSON_DEPTH``: 400. msgspec recurses once per level,
  so a few thousand ``[`` would otherwise raise RecursionError in the decoder.
- An integer path parameter (an id) beyond what an id column holds: 404, as for an
  id that does not exist, on pages as on the API.

Other value ranges (query and body ids, offsets, dates) are the schemas' and the
domain's business.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import ClientException, NotFoundException, SerializationException
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import ASGIApp, Receive, Scope, Send

from booking.ids import MAX_ID
from web.errors import MalformedBody, UnstorableValue

#: Our deepest body nests three levels; 32 leaves room and stays far from the
#: interpreter's recursion limit.
MAX_JSON_DEPTH = 32

FORM_TYPES = frozenset({RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART})
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

# Strings may hold brackets; possessive quantifiers keep the scan linear.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# Depth does not care which kind of bracket: objects become arrays, the rest goes.
_AS_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text ``body`` nests arrays and objects more than ``limit`` deep
    (for malformed text: may, before a decoder finds the fault).

    Runs in C, in at most ``limit`` passes over the brackets: each pass deletes the
    innermost ``[]`` pairs, one level, and the depth of the first branch still left
    is the openers in front of its first closer plus the levels deleted beneath it.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _JSON_STRING.sub(b"", body).translate(_AS_BRACKETS, _NOT_A_BRACKET)
    removed = 0
    while brackets:
        opened = len(brackets) - len(brackets.lstrip(b"["))
        if opened + removed > limit:
            return True
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return False  # unbalanced: the decoder calls the rest malformed
        removed, brackets = removed + 1, shorter
    return False


def first_unstorable(value: Any, where: str = "") -> str | None:
    """The path (``guests[0]``, ``weekly.monday[1]``) of the first string in a decoded
    JSON value, key or item, that holds a character no database can store."""
    if isinstance(value, str):
        return (where or "body") if UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and UNSTORABLE.search(key):
                return inner
            if (found := first_unstorable(item, inner)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := first_unstorable(item, f"{where}[{index}]")) is not None:
                return found
    return None


def _refuse(field: str, source: str) -> UnstorableValue:
    message = "contains a character that cannot be stored (NUL or a lone surrogate)."
    return UnstorableValue(
        detail=f"{field}: {message}",
        extra=[{"key": field, "message": message, "source": source}],
    )


def body_media_type(handler: HTTPRouteHandler) -> str | None:
    """The media type the handler reads its ``data`` from, or None if it takes no body."""
    field = handler.parsed_data_field
    if field is None:
        return None
    kwarg = field.kwarg_definition
    if isinstance(kwarg, BodyKwarg):
        return RequestEncodingType(kwarg.media_type).value
    return RequestEncodingType.JSON.value


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _unsupported(expected: str, method: str) -> ClientException:
    # RFC 9110 15.5.16 / RFC 5789 3.1: say which media type would have been accepted.
    header = "Accept-Patch" if method == "PATCH" else "Accept-Post"
    return ClientException(
        status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        detail=f"Send the body as {expected}.",
        headers={header: expected},
    )


class EdgeLimits(ASGIMiddleware):
    """Refuses what no handler should see; see the module's docstring."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        for name, value in scope.get("path_params", {}).items():
            if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
                raise NotFoundException("Nothing exists at this address.")
            if UNSTORABLE.search(str(value)):
                raise _refuse(name, "path")
        for name, values in request.query_params.dict().items():
            if UNSTORABLE.search(name) or any(UNSTORABLE.search(v) for v in values):
                raise _refuse(name, "query")
        handler = scope.get("route_handler")
        if isinstance(handler, HTTPRouteHandler):
            expected = body_media_type(handler)
            if expected is not None and await request.body():
                await _check_body(request, expected)
        await next_app(scope, receive, send)


async def _check_body(request: Request[Any, Any, Any], expected: str) -> None:
    """Decodes the body once, as the handler will (litestar caches it on the request)."""
    content_type = request.content_type[0]
    if expected in FORM_TYPES:
        if content_type not in FORM_TYPES:
            raise _unsupported(expected, request.method)
        form = await request.form()
        for name, value in form.multi_items():
            if UNSTORABLE.search(name) or (isinstance(value, str) and UNSTORABLE.search(value)):
                raise _refuse(name, "body")
        return
    if expected != RequestEncodingType.JSON:
        return
    if not _is_json(content_type):
        raise _unsupported(expected, request.method)
    if nests_deeper_than(await request.body(), MAX_JSON_DEPTH):
        raise MalformedBody(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        value = await request.json()
    except SerializationException as exc:
        raise MalformedBody(f"The request body could not be decoded: {exc}.") from exc
    if (field := first_unstorable(value)) is not None:
        raise _refuse(field, "body")
