"""Security headers on every response.

- ``Content-Security-Policy``: scripts, styles, images and fetches from this site only;
  no inline script, no inline style, no plugin, no ``<base>`` rewrite, forms post here
  only. Pages are Jinja with autoescaping, so this is the second wall against XSS.
- The API reference at ``/schema`` (web/api_docs.py) gets its own policy: the same but
  for the inline styles and ``blob:`` worker Redoc needs; its script is still this site's.
- Framing is refused (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` for
  browsers without CSP 2): the booking, cancel and profile forms cannot be clickjacked.
- ``Referrer-Policy: no-referrer`` on pages whose address carries a secret (a booking's
  signed ``token``, an OAuth ``code`` or ``state``), so a click on an outside link (the
  Zoom join link, "Add to Google Calendar") does not hand the secret to that site;
  ``strict-origin-when-cross-origin`` elsewhere.
- ``X-Content-Type-Options: nosniff``, and HSTS when the public address is https.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
#: The API reference (web/api_docs.py): still scripts from this site only, but Redoc
#: writes its styles at run time and builds its search index in a ``blob:`` worker.
API_DOCS_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src blob:",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HSTS = "max-age=63072000; includeSubDomains"
_SECRET_IN_QUERY = re.compile(rb"(?:^|&)(?:token|code|state)=")


def security_headers(*, https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: it sees every response, error pages and 404s included,
    which a middleware inside litestar's exception handling would miss."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        query: bytes = scope.get("query_string", b"")
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = (
            "no-referrer" if _SECRET_IN_QUERY.search(query) else "strict-origin-when-cross-origin"
        )
        if not headers.get("content-type", "").startswith("text/html"):
            # A JSON body or a file opened on its own runs nothing and is framed nowhere.
            headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        elif scope.get("path", "").startswith("/schema"):
            headers["Content-Security-Policy"] = API_DOCS_POLICY
        else:
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if https:
            headers["Strict-Transport-Security"] = HSTS

    return add_headers
