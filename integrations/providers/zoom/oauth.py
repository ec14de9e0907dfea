"""Zoom's OAuth 2.0 authorization-code flow (with PKCE) and token refresh.

The web layer generates ``state`` and a PKCE verifier (:mod:`integrations.oauth.pkce`),
binds both to the user's session, redirects to :meth:`ZoomApp.authorization_url`,
checks ``state`` on the callback and calls :meth:`ZoomApp.exchange_code`.

Zoom quirks handled here:

- The token endpoint wants the client credentials as HTTP Basic auth, never in the
  body.
- Refresh tokens rotate: every refresh returns a new one and the old one stops
  working once used. Whoever calls :meth:`ZoomApp.refresh` must persist the result
  before doing anything else, and refreshes for one account must be serialised (two
  workers refreshing with the same token: the second gets ``invalid_grant``).
- requests-oauthlib only refreshes on its own stored expiry (never on a 401) and
  copies request kwargs into the refresh body, so its auto-refresh is not used;
  :class:`~integrations.providers.zoom.client.ZoomClient` refreshes explicitly.
- Error bodies are ``{"reason": ..., "error": ...}`` (``reason``, not the RFC's
  ``error_description``), sometimes with 401 rather than 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from integrations.oauth.tokens import OAuthTokens
from integrations.providers.zoom.errors import (
    ZoomAuthError,
    ZoomError,
    ZoomRateLimited,
    ZoomUnavailable,
)
from integrations.providers.zoom.responses import error_from_response

__all__ = [
    "DEFAULT_TIMEOUT",
    "Timeout",
    "ZoomApp",
    "ZoomEndpoints",
    "utc_now",
]

#: (connect, read) seconds, as ``requests`` takes them.
Timeout = tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (3.05, 15.0)


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
class ZoomApp:
    """The OAuth app registered in the Zoom App Marketplace, and how to reach Zoom.

    Built once by ``web`` from settings and handed down; ``now`` is injectable so
    expiry logic can be tested without waiting.
    """

    client_id: str
    client_secret: str = field(repr=False)
    endpoints: ZoomEndpoints = field(default_factory=ZoomEndpoints)
    timeout: Timeout = DEFAULT_TIMEOUT
    now: Callable[[], datetime] = utc_now

    def authorization_url(self, redirect_uri: str, state: str, code_verifier: str) -> str:
        """Where to send the host's browser to grant access (PKCE S256)."""
        challenge: str = WebApplicationClient(self.client_id).create_code_challenge(
            code_verifier, "S256"
        )
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri)
        url, _state = session.authorization_url(
            self.endpoints.authorize_url,
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return str(url)

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> OAuthTokens:
        """Trade the callback's ``code`` for tokens (``redirect_uri`` must match)."""
        issued_at = self.now()
        session = self._session(redirect_uri=redirect_uri)
        with session:
            token = self._call(
                lambda: session.fetch_token(
                    self.endpoints.token_url,
                    code=code,
                    code_verifier=code_verifier,
                    auth=self._basic_auth(),
                    timeout=self.timeout,
                )
            )
        return _tokens_from(token, issued_at)

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """New tokens for ``tokens.refresh_token``, which is spent once this returns.

        A timeout here may come after Zoom rotated: the new pair is lost with the
        response and the next refresh fails ``invalid_grant`` (reconnect needed).
        Nothing on our side can recover that; the read timeout is kept generous.
        """
        issued_at = self.now()
        session = self._session()
        with session:
            token = self._call(
                lambda: session.refresh_token(
                    self.endpoints.token_url,
                    refresh_token=tokens.refresh_token,
                    auth=self._basic_auth(),
                    timeout=self.timeout,
                )
            )
        return _tokens_from(token, issued_at, fallback_scope=tokens.scope)

    def revoke(self, access_token: str) -> None:
        """Revoke the grant behind a valid ``access_token``: Zoom removes the app from
        the user's account, refresh token included. Raises :class:`ZoomError`
        (:class:`ZoomUnavailable`, :class:`ZoomRateLimited` where retrying may help)."""
        try:
            response = requests.post(
                self.endpoints.revoke_url,
                data={"token": access_token},
                auth=self._basic_auth(),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise ZoomUnavailable(f"Zoom revoke endpoint unreachable: {exc}") from exc
        _check_token_response(response, self.now())

    def _basic_auth(self) -> requests.auth.HTTPBasicAuth:
        return requests.auth.HTTPBasicAuth(self.client_id, self.client_secret)

    def _session(self, redirect_uri: str | None = None) -> Any:
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri)

        # oauthlib parses any body as a token and raises generic errors for the
        # rest; map Zoom's statuses to typed errors before it sees the response.
        def check(response: requests.Response) -> requests.Response:
            return _check_token_response(response, self.now())

        session.register_compliance_hook("access_token_response", check)
        session.register_compliance_hook("refresh_token_response", check)
        return session

    @staticmethod
    def _call(fetch: Callable[[], Any]) -> Mapping[str, Any]:
        try:
            token: Mapping[str, Any] = fetch()
        except InsecureTransportError:
            raise
        except OAuth2Error as exc:
            raise ZoomError(
                f"Zoom token response rejected: {exc.description or exc.error}",
                zoom_code=exc.error,
            ) from exc
        except requests.RequestException as exc:
            raise ZoomUnavailable(f"Zoom token endpoint unreachable: {exc}") from exc
        return token


def _check_token_response(response: requests.Response, now: datetime) -> requests.Response:
    if response.status_code == 200:
        return response
    error = error_from_response(response, now)
    if isinstance(error, ZoomRateLimited | ZoomUnavailable):
        raise error
    try:
        body = response.json()
    except ValueError:
        body = None
    oauth_error = body.get("error") if isinstance(body, dict) else None
    reason = body.get("reason") if isinstance(body, dict) else None
    detail = f"Zoom token request failed: {reason or oauth_error or response.reason}"
    if oauth_error == "invalid_grant":
        raise ZoomAuthError(detail, http_status=response.status_code, zoom_code=oauth_error)
    raise ZoomError(detail, http_status=response.status_code, zoom_code=oauth_error)


def _tokens_from(
    token: Mapping[str, Any], issued_at: datetime, fallback_scope: str = ""
) -> OAuthTokens:
    # oauthlib turns ``scope`` into a list; the vault keeps Zoom's space-separated form.
    scope = token.get("scope")
    scope_text = " ".join(scope) if isinstance(scope, list) else str(scope or fallback_scope)
    try:
        # Stamp expiry from before the request: errs towards refreshing early.
        expires_at = issued_at + timedelta(seconds=int(token["expires_in"]))
        return OAuthTokens(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]),
            expires_at=expires_at,
            scope=scope_text,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ZoomError(f"Zoom token response lacks {exc}") from exc
