"""An OAuth grant as the authorization-code providers keep it (Google, Zoom).

The vault stores :meth:`OAuthTokens.to_dict`; rows written before connected accounts
have the same shape, so they read back unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["OAuthTokens"]


@dataclass(frozen=True, slots=True)
class OAuthTokens:
    """One account's grant. ``expires_at`` is when the access token dies (aware UTC).

    ``cache`` is a client library's own serialised state, for providers whose
    library keeps its tokens itself (msal's token cache, which holds Microsoft's
    refresh token: ``refresh_token`` is then empty). It is encrypted with the rest
    and refreshed under the same lock."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime
    scope: str = ""
    cache: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None:
            raise ValueError("OAuthTokens.expires_at must be timezone-aware")
        object.__setattr__(self, "expires_at", self.expires_at.astimezone(UTC))

    def expires_within(self, margin: timedelta, now: datetime) -> bool:
        return self.expires_at - now < margin

    def to_dict(self) -> dict[str, str]:
        """The vault's plaintext form (rows from before connected accounts have no
        ``cache`` and read back the same)."""
        plain = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "scope": self.scope,
        }
        if self.cache:
            plain["cache"] = self.cache
        return plain

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthTokens:
        return cls(
            access_token=str(data["access_token"]),
            refresh_token=str(data["refresh_token"]),
            expires_at=datetime.fromisoformat(str(data["expires_at"])),
            scope=str(data.get("scope", "")),
            cache=str(data.get("cache", "")),
        )
