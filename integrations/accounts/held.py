"""The tokens an OAuth adapter holds for one account while it works.

An adapter lives for one sync (or one request) in a worker thread. Its tokens are
refreshed ``refresh_margin`` before they expire, and again when the provider refuses
them, always through ``refresher``: the shared refresh of :mod:`.refresh`, which
takes the account's cross-process lock and stores the new pair before returning it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from integrations.accounts.tokens import OAuthTokens

__all__ = ["HeldTokens"]

Refresher = Callable[[OAuthTokens], OAuthTokens]


class HeldTokens:
    """Base of the calendar adapters that hold OAuth tokens (Google, Microsoft)."""

    def __init__(
        self, tokens: OAuthTokens, refresher: Refresher, refresh_margin: timedelta
    ) -> None:
        self.tokens = tokens
        self._refresher = refresher
        self._refresh_margin = refresh_margin

    def refresh(self, stale: OAuthTokens) -> OAuthTokens:
        """Fresh tokens, unless someone refreshed since ``stale`` was read."""
        if self.tokens is stale:
            self.tokens = self._refresher(stale)
        return self.tokens

    def expiring(self, now: datetime) -> bool:
        """Whether the access token should be refreshed before the next request."""
        return self.tokens.expires_within(self._refresh_margin, now)
