"""``/favicon.ico``: browsers ask for it at the root whatever the page links, so the
icon is answered there too (pages link the SVG in web/static, base.html)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.response import File

ICON = Path(__file__).parent / "static" / "favicon.ico"


@get(
    "/favicon.ico",
    include_in_schema=False,
    cache_control=CacheControlHeader(max_age=int(timedelta(days=1).total_seconds())),
)
async def favicon() -> File:
    return File(ICON, media_type="image/vnd.microsoft.icon", content_disposition_type="inline")
