"""API shapes shared by the accounts of every purpose."""

from __future__ import annotations

import msgspec

__all__ = ["ConnectLink"]


class ConnectLink(msgspec.Struct, kw_only=True):
    #: Open this in a browser where the host is signed in to Rendezvous: it starts
    #: the provider's consent screen and comes back to the host's page. The consent
    #: must come back to the browser session that asked for it (state and PKCE
    #: verifier live there), so the API can only hand out the page that starts it.
    authorize_url: str

    @classmethod
    def to_page(cls, public_url: str, path: str) -> ConnectLink:
        return cls(authorize_url=public_url.rstrip("/") + path)
