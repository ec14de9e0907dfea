"""The sync state of one CalDAV calendar: what the last successful sync saw.

The server's change log is per resource (one ``.ics`` file: a single event, or a
whole series with its overrides), while the busy-block store keeps one row per
occurrence (``uid`` or ``uid:recurrence-id``). So the state remembers, for every
resource, its etag and the occurrence ids it produced: a changed resource replaces
exactly its old occurrences, a deleted one removes them, and nothing else is read.

``token`` is the server's RFC 6578 sync token; without sync-collection (``mode``
"ctag") ``ctag`` is the collection's ``getctag``, and the etags are compared.
It is stored in the calendar row in clear: it holds hrefs and etags, no secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from typing import Final, Literal

from integrations.accounts.errors import SyncStateExpired

__all__ = ["DavState", "Mode", "Resource"]

_VERSION: Final = 1
Mode = Literal["sync", "ctag"]


@dataclass(frozen=True, slots=True)
class Resource:
    etag: str
    #: The occurrence ids (remote ids of busy blocks) it produced in the window.
    occurrences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DavState:
    mode: Mode
    token: str | None = None
    ctag: str | None = None
    #: href (path, unquoted) -> what the resource was at the last sync.
    resources: dict[str, Resource] = field(default_factory=dict)

    def encode(self) -> str:
        document = {
            "v": _VERSION,
            "m": self.mode,
            "t": self.token,
            "c": self.ctag,
            "r": {href: [r.etag, *r.occurrences] for href, r in self.resources.items()},
        }
        packed = zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)
        return base64.urlsafe_b64encode(packed).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> DavState:
        """Raises :class:`SyncStateExpired` for a state this version cannot read: the
        next sync is a full one, which needs none."""
        try:
            document = json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode())))
            if not isinstance(document, dict) or document.get("v") != _VERSION:
                raise ValueError("another version")
            mode = document["m"]
            if mode not in ("sync", "ctag"):
                raise ValueError(f"mode {mode!r}")
            resources = {
                str(href): Resource(str(row[0]), tuple(str(i) for i in row[1:]))
                for href, row in dict(document["r"]).items()
            }
            return cls(mode, document.get("t"), document.get("c"), resources)
        except (ValueError, KeyError, TypeError, IndexError, zlib.error, binascii.Error) as exc:
            raise SyncStateExpired(
                f"the calendar's saved sync state is unreadable ({exc})"
            ) from None
