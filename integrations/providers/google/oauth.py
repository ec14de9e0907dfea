"""Google's OAuth 2.0 authorization-code flow with PKCE, and the tokens it yields.

The web layer makes ``state`` and a PKCE verifier (:mod:`integrations.oauth.pkce`),
keeps them in the host's session, redirects to :meth:`GoogleApp.authorization_url`,
checks ``state`` on the callback and calls :meth:`GoogleApp.exchange_code`.

Google quirks handled here:

- No refresh token comes back unless the authorize request says
  ``access_type=offline``, and a second consent returns one only with
  ``prompt=consent``: both are always sent.
- Refresh tokens do not rotate: a refresh answer usually has no ``refresh_token``,
  and the one we hold stays valid.
- Errors are ``{"error", "error_description"}``; ``invalid_grant`` means the grant is
  gone (revoked, expired, or the code was already used).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from integrations.calendars.errors import AuthExpired, ProviderError, Unavailable
from integrations.oauth.pkce import code_challenge
from integrations.oauth.tokens import OAuthTokens

__all__ = [
    "CALENDAR_EVENTS_SCOPE",
    "CALENDAR_READONLY_SCOPE",
    "GoogleApp",
    "GoogleEndpoints",
]

CALENDAR_READONLY_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
#: Asked for now so two-way sync (a later issue) needs no second consent.
CALENDAR_EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events"
SCOPES = (CALENDAR_READONLY_SCOPE, CALENDAR_EVENTS_SCOPE)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class GoogleEndpoints:
    """Where Google lives; tests point these at the emulator."""

    auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
    #: Replaces rootUrl + servicePath of the discovery document: keep /calendar/v3/.
    api_endpoint: str = "https://www.googleapis.com/calendar/v3/"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"


@dataclass(frozen=True, slots=True)
class GoogleApp:
    """The OAuth client registered in Google Cloud, and how to reach Google.

    Built once by ``web`` from settings and handed down.
    """

    client_id: str
    client_secret: str = field(repr=False)
    endpoints: GoogleEndpoints = field(default_factory=GoogleEndpoints)
    #: Seconds for every HTTP request to Google (connect and each read).
    timeout: float = 20.0
    now: Callable[[], datetime] = utc_now

    def authorization_url(self, redirect_uri: str, state: str, code_verifier: str) -> str:
        query = {
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(SCOPES),
            "state": state,
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "code_challenge": code_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        return f"{self.endpoints.auth_uri}?{urlencode(query)}"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> OAuthTokens:
        """Trade the callback's ``code`` for tokens (``redirect_uri`` must match)."""
        issued_at = self.now()
        try:
            response = requests.post(
                self.endpoints.token_uri,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise Unavailable(f"Google's token endpoint is unreachable: {exc}") from exc
        body = _json(response)
        if response.status_code != 200:
            error = str(body.get("error") or response.reason)
            detail = f"Google refused the sign-in: {body.get('error_description') or error}"
            if response.status_code >= 500:
                raise Unavailable(detail, http_status=response.status_code, reason=error)
            if error == "invalid_grant":
                raise AuthExpired(detail, http_status=response.status_code, reason=error)
            raise ProviderError(detail, http_status=response.status_code, reason=error)
        if not body.get("refresh_token"):
            # Only when access_type=offline was dropped on the way: without it we
            # could sync for an hour and then never again.
            raise ProviderError("Google granted no offline access (no refresh token).")
        try:
            return OAuthTokens(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                # Stamped from before the request: errs towards refreshing early.
                expires_at=issued_at + timedelta(seconds=int(body["expires_in"])),
                scope=str(body.get("scope", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError(f"Google's token response lacks {exc}") from exc

    def revoke(self, token: str) -> None:
        """Revoke the grant behind ``token``; a refresh token takes its access tokens
        with it. A token Google no longer knows (400 ``invalid_token``: revoked by the
        user, or expired) is already as revoked as it can be, so that is success too.
        Raises :class:`Unavailable` when Google cannot be reached or answers 429/5xx,
        :class:`ProviderError` for any other refusal."""
        try:
            response = requests.post(
                self.endpoints.revoke_uri, data={"token": token}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unavailable(f"Google's revoke endpoint is unreachable: {exc}") from exc
        if response.status_code == 200:
            return
        body = _json(response)
        error = str(body.get("error") or response.reason)
        if response.status_code == 400 and error == "invalid_token":
            return
        detail = f"Google did not revoke access: {body.get('error_description') or error}"
        if response.status_code == 429 or response.status_code >= 500:
            raise Unavailable(detail, http_status=response.status_code, reason=error)
        raise ProviderError(detail, http_status=response.status_code, reason=error)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
