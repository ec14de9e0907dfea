"""The sync state of a feed: what the last successful fetch saw.

A feed has no change log: every fetch is the whole calendar. The state keeps the
feed's validators (ETag, Last-Modified: the next fetch asks "changed since?", a 304
costs nothing), a hash of the body (servers without validators send the same bytes
again) and the digest of every occurrence it produced, so that the next changed
fetch is turned into a list of changes and deletions like any provider's.

It is stored in the calendar row in clear, so it holds no part of the feed's URL
(the secret), only a hash of where the feed ended up after redirects.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from typing import Final

from integrations.accounts.errors import SyncStateExpired

__all__ = ["FeedState", "source_hash"]

_VERSION: Final = 1


def source_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FeedState:
    #: :func:`source_hash` of the URL the body came from, after redirects.
    source: str
    body_hash: str
    etag: str | None = None
    last_modified: str | None = None
    #: remote_id -> digest of every occurrence of the last read.
    digests: dict[str, str] = field(default_factory=dict)

    def encode(self) -> str:
        document = {
            "v": _VERSION,
            "source": self.source,
            "body": self.body_hash,
            "etag": self.etag,
            "lm": self.last_modified,
            "d": self.digests,
        }
        packed = zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 9)
        return base64.urlsafe_b64encode(packed).decode("ascii")

    @classmethod
    def decode(cls, text: str) -> FeedState:
        """Raises :class:`SyncStateExpired` for a state this version cannot read: the
        next sync is a full one, which needs no state."""
        try:
            document = json.loads(zlib.decompress(base64.urlsafe_b64decode(text.encode())))
            if not isinstance(document, dict) or document.get("v") != _VERSION:
                raise ValueError("another version")
            digests = document["d"]
            if not isinstance(digests, dict):
                raise ValueError("digests")
            return cls(
                source=str(document["source"]),
                body_hash=str(document["body"]),
                etag=document.get("etag"),
                last_modified=document.get("lm"),
                digests={str(k): str(v) for k, v in digests.items()},
            )
        except (ValueError, KeyError, TypeError, zlib.error, binascii.Error) as exc:
            raise SyncStateExpired(f"the feed's saved sync state is unreadable ({exc})") from None
