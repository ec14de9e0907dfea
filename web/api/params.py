"""Path and query parameters that several resources take, with the bounds their
columns impose (booking.ids)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from booking.ids import MAX_ID

#: An id beyond the range names nothing: web.errors answers 404, as for an unknown id.
PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="Rows to skip.")]
