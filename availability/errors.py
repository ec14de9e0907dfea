"""The two errors the availability engine raises.

Both subclass :class:`ValueError`, so callers that only care about "bad input" can
catch that; the booking layer maps them to its own HTTP-carrying errors (this
package must not import it).
"""

from __future__ import annotations

__all__ = ["InvalidInputError", "MalformedEventError"]


class InvalidInputError(ValueError):
    """An engine input breaks a documented rule (naive datetime, bad range, ...)."""


class MalformedEventError(ValueError):
    """A provider payload lacks a required field or holds an unusable value.

    Only required fields (start, end, their time zone) raise it; unknown or odd
    optional fields are ignored, because providers add fields over time.
    """
