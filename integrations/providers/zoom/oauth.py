"""Zoom's OAuth client: what Zoom says about itself to the shared client
(:class:`integrations.accounts.oauth.OAuth2App`).

Zoom quirks:

- The token endpoint wants the client credentials as HTTP Basic auth, never in the
  body; so does the revoke endpoint.
- Refresh tokens rotate: every refresh returns a new one and the old one stops
  working once used, so refreshes go through :mod:`integrations.accounts.refresh`.
- Scopes are set on the app in the Marketplace, not asked for per consent.
- Error bodies are ``{"reason": ..., "error": ...}`` (``reason``, not the RFC's
  ``error_description``), sometimes with 401 rather than 400.
- It revokes by access token, and an unknown one is an error (400
  ``invalid_request``), unlike Google.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Literal

from integrations.accounts.oauth import OAuth2App

__all__ = ["DEFAULT_TIMEOUT", "SCOPES", "Timeout", "ZoomApp", "ZoomEndpoints", "utc_now"]

#: (connect, read) seconds, as ``requests`` takes them.
Timeout = tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (3.05, 15.0)
#: What the Marketplace app must be given (docs/video.md); recorded on the account.
SCOPES = ("meeting:read", "meeting:write", "user:read")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ZoomEndpoints:
    """Where Zoom lives; tests point these at the local emulator."""

    authorize_url: str = "https://zoom.us/oauth/authorize"
    token_url: str = "https://zoom.us/oauth/token"  # noqa: S105 (a URL, not a secret)
    api_base: str = "https://api.zoom.us/v2"
    revoke_url: str = "https://zoom.us/oauth/revoke"


@dataclass(frozen=True, slots=True)
class ZoomApp(OAuth2App):
    """The OAuth app registered in the Zoom App Marketplace, and how to reach Zoom.

    Built once by ``web`` from settings and handed down; ``now`` is injectable so
    expiry logic can be tested without waiting. :meth:`revoke` takes a valid access
    token: Zoom removes the app from the user's account, refresh token included."""

    provider_name: ClassVar[str] = "Zoom"
    client_auth: ClassVar[Literal["basic", "body"]] = "basic"

    client_id: str
    client_secret: str = field(repr=False)
    endpoints: ZoomEndpoints = field(default_factory=ZoomEndpoints)
    timeout: Timeout = DEFAULT_TIMEOUT
    now: Callable[[], datetime] = utc_now

    def urls(self) -> tuple[str, str, str]:
        return self.endpoints.authorize_url, self.endpoints.token_url, self.endpoints.revoke_url
