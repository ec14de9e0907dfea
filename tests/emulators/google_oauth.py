"""Google OAuth 2.0 authorize, token and revoke endpoints, with Google's error
shapes. The caller holds the emulator's lock."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.emulators.google_discovery import GoogleApiError

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
CODE_LIFETIME = timedelta(minutes=10)
# Google accepts these short names beside the https://www.googleapis.com/auth/ scopes.
OPENID_SCOPES = frozenset({"openid", "email", "profile"})

Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    # None: any loopback address, as for Google's "desktop app" clients.
    redirect_uris: frozenset[str] | None


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    offline: bool
    expires_at: datetime


@dataclass
class AccessToken:
    scopes: frozenset[str]
    expires_at: datetime
    refresh_token: str | None


@dataclass
class RefreshToken:
    client_id: str
    scopes: tuple[str, ...]


class OAuthError(Exception):
    """A token endpoint error: ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


def _page(status: int, error: str, detail: str) -> Reply:
    # A bad client or redirect URI never redirects: Google shows an error page.
    html = f"<html><body><h1>Error {status}: {error}</h1><p>{detail}</p></body></html>"
    return status, {"Content-Type": "text/html; charset=utf-8"}, html.encode()


class OAuthServer:
    def __init__(self, now: Callable[[], datetime], access_token_lifetime: timedelta) -> None:
        self.now = now
        self.access_token_lifetime = access_token_lifetime
        self.clients: dict[str, OAuthClient] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.consent_granted = True
        # What the one user of the emulator granted each client so far: Google adds a
        # new consent's scopes to it when the request says include_granted_scopes.
        self.granted_scopes: dict[str, set[str]] = {}

    def add_client(
        self, client_id: str, client_secret: str, redirect_uris: frozenset[str] | None
    ) -> None:
        self.clients[client_id] = OAuthClient(client_id, client_secret, redirect_uris)

    # -- authorize --------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> Reply:
        client = self.clients.get(query.get("client_id", ""))
        if client is None:
            return _page(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = query.get("redirect_uri", "")
        if not self._redirect_allowed(client, redirect_uri):
            return _page(400, "redirect_uri_mismatch", f"Unregistered: {redirect_uri}")
        if query.get("response_type") != "code":
            return _page(400, "invalid_request", "response_type must be code.")
        scopes = query.get("scope", "").split()
        if not scopes:
            return _page(400, "invalid_request", "Missing required parameter: scope")
        unknown = [
            s
            for s in scopes
            if s not in OPENID_SCOPES and not s.startswith("https://www.googleapis.com/auth/")
        ]
        if unknown:
            return _page(400, "invalid_scope", f"Some requested scopes were invalid: {unknown}")
        # Stricter than Google, which also takes "plain" or no PKCE at all: the
        # app must always use S256, so anything else is refused here.
        challenge = query.get("code_challenge")
        if not challenge or query.get("code_challenge_method") != "S256":
            return _page(400, "invalid_request", "code_challenge with method S256 is required.")
        answer = {"state": query["state"]} if "state" in query else {}
        if not self.consent_granted:
            answer["error"] = "access_denied"
        else:
            code = "4/0A" + secrets.token_urlsafe(32)
            earlier = self.granted_scopes.setdefault(client.client_id, set())
            if query.get("include_granted_scopes") == "true":
                # Incremental authorization: the token carries every scope granted.
                scopes = [*scopes, *sorted(earlier - set(scopes))]
            earlier.update(scopes)
            self.grants[code] = Grant(
                client.client_id,
                redirect_uri,
                tuple(scopes),
                challenge,
                # Without access_type=offline Google issues no refresh token.
                query.get("access_type") == "offline",
                self.now() + CODE_LIFETIME,
            )
            answer = {"code": code, **answer, "scope": " ".join(scopes)}
        separator = "&" if urlsplit(redirect_uri).query else "?"
        return 302, {"Location": redirect_uri + separator + urlencode(answer)}, b""

    @staticmethod
    def _redirect_allowed(client: OAuthClient, redirect_uri: str) -> bool:
        if client.redirect_uris is not None:
            return redirect_uri in client.redirect_uris
        parts = urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")

    # -- token ------------------------------------------------------------------

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        client = self._client(form, basic)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange_code(client, form)
        if grant_type == "refresh_token":
            return self._refresh(client, form)
        raise OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _client(self, form: dict[str, str], basic: tuple[str, str] | None) -> OAuthClient:
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        if not client_id:
            raise OAuthError(400, "invalid_request", "Could not determine client ID from request.")
        client = self.clients.get(client_id)
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if secret != client.client_secret:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        return client

    def _exchange_code(self, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
        # A code is single use, even when the exchange then fails.
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or grant.client_id != client.client_id or grant.expires_at < self.now():
            raise OAuthError(400, "invalid_grant", "Malformed auth code.")
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier")
        if grant.code_challenge is not None:
            if not verifier:
                raise OAuthError(400, "invalid_grant", "Missing code verifier.")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
        return self.issue(client.client_id, grant.scopes, offline=grant.offline)

    def _refresh(self, client: OAuthClient, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        grant = self.refresh_tokens.get(token)
        if grant is None or grant.client_id != client.client_id:
            raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
        scopes = grant.scopes
        if form.get("scope"):
            asked = tuple(form["scope"].split())
            if not set(asked) <= set(grant.scopes):
                raise OAuthError(400, "invalid_scope", "Bad Request")
            scopes = asked
        answer = self.issue(client.client_id, scopes, offline=False)
        self.access_tokens[answer["access_token"]].refresh_token = token
        return answer

    def issue(self, client_id: str, scopes: tuple[str, ...], *, offline: bool) -> dict[str, Any]:
        access_token = "ya29." + secrets.token_urlsafe(32)
        refresh_token = "1//0" + secrets.token_urlsafe(32) if offline else None
        lifetime = self.access_token_lifetime
        self.access_tokens[access_token] = AccessToken(
            frozenset(scopes), self.now() + lifetime, refresh_token
        )
        answer: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": int(lifetime.total_seconds()),
            "scope": " ".join(scopes),
            "token_type": "Bearer",
        }
        if refresh_token is not None:
            self.refresh_tokens[refresh_token] = RefreshToken(client_id, scopes)
            answer["refresh_token"] = refresh_token
        return answer

    # -- revoke and checks ------------------------------------------------------

    def revoke(self, token: str) -> None:
        access = self.access_tokens.pop(token, None)
        # Revoking an access token revokes its whole grant, refresh token included.
        refresh = access.refresh_token if access else token
        if access is None and refresh not in self.refresh_tokens:
            raise OAuthError(400, "invalid_token", "Token expired or revoked")
        self.revoke_refresh_token(refresh)

    def revoke_refresh_token(self, token: str | None) -> None:
        revoked = set(self.refresh_tokens) if token is None else {token}
        for name in revoked:
            self.refresh_tokens.pop(name, None)
        for name, access in list(self.access_tokens.items()):
            if access.refresh_token in revoked:
                del self.access_tokens[name]

    def expire_access_tokens(self) -> None:
        for access in self.access_tokens.values():
            access.expires_at = min(access.expires_at, self.now())

    def check(self, token: str | None, allowed_scopes: frozenset[str]) -> None:
        if not token:
            # Google answers a missing credential with "required", a bad one with authError.
            raise GoogleApiError(
                401,
                "required",
                "Login Required.",
                location="Authorization",
            )
        access = self.access_tokens.get(token)
        if access is None or access.expires_at <= self.now():
            raise GoogleApiError(401, "authError", location="Authorization")
        if allowed_scopes and not access.scopes & allowed_scopes:
            raise GoogleApiError(403, "insufficientPermissions")
