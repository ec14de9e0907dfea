"""The API reference at ``/schema``: Redoc from files vendored under
``web/static/vendor/`` (``make vendor-redoc`` refreshes them from npm), never a CDN, so
the documentation works offline and no third party sees who reads it.

litestar's own Redoc page starts Redoc with an inline script and the whole document
inlined; this one has no inline script at all: Redoc's standalone bundle starts itself
on a ``<redoc spec-url>`` element and fetches ``/schema/openapi.json``. The page's CSP
(web/headers.py) then needs only what Redoc itself does: inline styles (it builds its
CSS at run time) and a ``blob:`` worker for its search index.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

#: The vendored release (web/static/vendor/redoc-VERSION/); the Makefile reads it here.
REDOC_VERSION = "2.5.4"
REDOC_JS = f"/static/vendor/redoc-{REDOC_VERSION}/redoc.standalone.js"


class VendoredRedoc(OpenAPIRenderPlugin):
    """Redoc at ``/schema`` (and ``/schema/redoc``), from this site only."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/redoc"])

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(f"{openapi_schema['info']['title']} API")
        spec = escape(self.get_openapi_json_route(request))
        return (
            "<!doctype html>\n"
            '<html lang="en">\n<head>\n'
            '  <meta charset="utf-8">\n'
            '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"  <title>{title}</title>\n"
            '  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">\n'
            '  <link rel="stylesheet" href="/static/api-docs.css">\n'
            "</head>\n<body>\n"
            f'  <redoc spec-url="{spec}"></redoc>\n'
            f'  <script src="{REDOC_JS}"></script>\n'
            "</body>\n</html>\n"
        ).encode()
