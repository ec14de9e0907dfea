"""One OAuth 2.0 client for every authorization-code provider (Google, Zoom), on
requests-oauthlib.

Why requests-oauthlib and not authlib: it was already a dependency (Zoom), and every
provider client we drive is synchronous on ``requests`` or ``httplib2``
(googleapiclient, caldav, msal), run in worker threads. authlib's async httpx client
would add a second HTTP stack whose refresh then has to hop between the event loop
and those threads; oauthlib gives us the protocol (PKCE, token parsing, the grant
bodies) and we keep one transport.

What a provider states about itself is a subclass of :class:`OAuth2App`: its
endpoints (fields), how it wants the client authenticated, extra authorize
parameters, how it revokes. Everything else is here, once:

- ``state`` and the PKCE verifier (S256) come from :meth:`OAuth2App.begin`; the web
  layer keeps the returned ``pending`` values in the host's server-side session and
  hands them back to :meth:`OAuth2App.finish` after comparing ``state``.
- Token answers are mapped to :mod:`.errors` before oauthlib reads them:
  ``invalid_grant`` is :class:`~.errors.Revoked`, 429 :class:`~.errors.RateLimited`
  (``Retry-After``), 5xx and network failures :class:`~.errors.Unavailable`.
- Expiry is stamped from *before* the request, so it errs towards refreshing early.
- Refresh tokens that rotate (Zoom) are taken from the answer; providers that do
  not rotate (Google) answer none, and the one we hold is kept.

requests-oauthlib's own auto-refresh is never used: it fires only on its stored
expiry (never on a 401) and copies request arguments into the refresh body. Callers
refresh through :mod:`.refresh`, which stores the new pair under a lock that holds
across processes.

The interface a service needs of any authorization-code provider is
:class:`ConsentFlow`; an msal-backed Microsoft client (msal keeps its own token
cache, stored encrypted as the account's credentials) implements the same three
calls with its ``initiate_auth_code_flow`` dict as ``pending``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol

import requests
from oauthlib.common import generate_token
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from integrations.accounts.errors import (
    BadResponse,
    ProviderError,
    RateLimited,
    Revoked,
    Unavailable,
)
from integrations.accounts.retry_after import retry_after_seconds
from integrations.accounts.tokens import OAuthTokens

__all__ = ["Consent", "ConsentFlow", "OAuth2App", "Timeout", "same_state"]

#: Seconds for one request: one number, or (connect, read) as ``requests`` takes them.
Timeout = float | tuple[float, float]


@dataclass(frozen=True, slots=True)
class Consent:
    """Where to send the host's browser, and what the callback must be checked
    against: keep ``pending`` in the server-side session, never in the browser."""

    url: str
    #: ``state``, ``verifier``, ``redirect_uri`` and ``scopes`` (space-separated).
    pending: dict[str, str]


class ConsentFlow(Protocol):
    """What services and pages need of an authorization-code provider.

    :class:`OAuth2App` is one; an msal ``ConfidentialClientApplication`` wraps into
    another: ``begin`` returns ``initiate_auth_code_flow``'s dict as ``pending`` (it
    has ``state``, and msal's own PKCE verifier and nonce), ``finish`` hands it and
    the callback's query to ``acquire_token_by_auth_code_flow``, and ``refresh`` runs
    ``acquire_token_silent`` on the cache kept in :attr:`OAuthTokens.cache`, under
    the same cross-process lock (:mod:`.refresh`)."""

    def begin(
        self,
        redirect_uri: str,
        scopes: Sequence[str],
        *,
        include_granted: bool = False,
        login_hint: str | None = None,
    ) -> Consent: ...

    def finish(self, pending: Mapping[str, str], response: Mapping[str, str]) -> OAuthTokens: ...

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens: ...


def same_state(expected: str | None, received: str | None) -> bool:
    """Constant-time comparison; a missing value on either side never matches."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())


class OAuth2App:
    """The OAuth client registered with one provider. Subclasses are frozen
    dataclasses with ``client_id``, ``client_secret``, ``timeout`` and ``now`` fields,
    and say where the provider lives through :meth:`urls`."""

    #: For messages: "Google refused the sign-in: ...".
    provider_name: ClassVar[str] = "The provider"
    #: "basic": HTTP Basic client_id:client_secret (Zoom); "body": in the form (Google).
    client_auth: ClassVar[Literal["basic", "body"]] = "body"
    #: Sent with every authorize request (Google: offline access, consent prompt).
    authorize_params: ClassVar[Mapping[str, str]] = {}
    #: The OAuth ``error`` a revoke endpoint answers for a token it no longer knows,
    #: which is as revoked as it gets (Google's ``invalid_token``); None: an error.
    already_revoked_error: ClassVar[str | None] = None
    #: Asked for when the caller names none.
    default_scopes: ClassVar[tuple[str, ...]] = ()

    client_id: str
    client_secret: str
    timeout: Timeout
    now: Callable[[], datetime]

    def urls(self) -> tuple[str, str, str]:
        """(authorize, token, revoke) URLs."""
        raise NotImplementedError

    # -- consent --------------------------------------------------------------------

    def begin(
        self,
        redirect_uri: str,
        scopes: Sequence[str],
        *,
        include_granted: bool = False,
        login_hint: str | None = None,
    ) -> Consent:
        """A new ``state`` and PKCE verifier, and the authorize URL carrying them.

        ``include_granted``: incremental consent; the provider adds ``scopes`` to what
        the user granted before instead of replacing it (Google's
        ``include_granted_scopes``). ``login_hint``: the account to preselect."""
        state = generate_token(43)
        verifier = WebApplicationClient(self.client_id).create_code_verifier(86)
        extra = {"include_granted_scopes": "true"} if include_granted else {}
        if login_hint:
            extra["login_hint"] = login_hint
        url = self.authorization_url(redirect_uri, state, verifier, scopes, **extra)
        return Consent(
            url,
            {
                "state": state,
                "verifier": verifier,
                "redirect_uri": redirect_uri,
                "scopes": " ".join(scopes or self.default_scopes),
            },
        )

    def finish(self, pending: Mapping[str, str], response: Mapping[str, str]) -> OAuthTokens:
        """Redeem the callback's ``response`` (its query: ``code``, ``state``...) for
        tokens; the caller compared ``state`` already."""
        code = response.get("code")
        if not code:
            raise BadResponse(f"{self.provider_name} sent no code back.")
        return self.exchange_code(code, pending["redirect_uri"], pending["verifier"])

    def authorization_url(
        self,
        redirect_uri: str,
        state: str,
        code_verifier: str,
        scopes: Sequence[str] = (),
        **extra: str,
    ) -> str:
        """The authorize URL with ``state`` and the verifier's S256 challenge."""
        challenge: str = WebApplicationClient(self.client_id).create_code_challenge(
            code_verifier, "S256"
        )
        asked = list(scopes or self.default_scopes) or None
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri, scope=asked)
        url, _state = session.authorization_url(
            self.urls()[0],
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
            **{**self.authorize_params, **extra},
        )
        return str(url)

    # -- tokens ---------------------------------------------------------------------

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> OAuthTokens:
        """Trade the callback's ``code`` for tokens (``redirect_uri`` must match)."""
        issued_at = self.now()
        with self._session(f"{self.provider_name} refused the sign-in", redirect_uri) as session:
            token = self._call(
                lambda: session.fetch_token(
                    self.urls()[1],
                    code=code,
                    code_verifier=code_verifier,
                    timeout=self.timeout,
                    **self._client_auth(),
                )
            )
        if not token.get("refresh_token"):
            # Without offline access we could use the account for an hour, then
            # never again: refuse now, while the host is looking.
            raise BadResponse(f"{self.provider_name} granted no offline access (no refresh token).")
        return _tokens_from(token, issued_at, self.provider_name)

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """New tokens for ``tokens.refresh_token``. Where refresh tokens rotate, the old
        one is spent once this returns: store the result before anything else.

        A timeout here may come after the provider rotated: the new pair is lost with
        the answer and the next refresh fails ``invalid_grant``. Nothing on our side
        can recover that; the read timeout is kept generous."""
        issued_at = self.now()
        with self._session(f"{self.provider_name} refused to renew access") as session:
            token = self._call(
                lambda: session.refresh_token(
                    self.urls()[1],
                    refresh_token=tokens.refresh_token,
                    timeout=self.timeout,
                    **self._client_auth(refresh=True),
                )
            )
        return _tokens_from(token, issued_at, self.provider_name, previous=tokens)

    def revoke(self, token: str) -> None:
        """Revoke the grant behind ``token`` (which one the provider wants: its
        docstring). A token the provider already dropped counts as revoked where it
        says so (``already_revoked_error``)."""
        auth = self._basic() if self.client_auth == "basic" else None
        try:
            response = requests.post(
                self.urls()[2], data={"token": token}, auth=auth, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unavailable(
                f"{self.provider_name}'s revoke endpoint is unreachable: {exc}"
            ) from exc
        if response.status_code == 200:
            return
        error = token_error(response, self.now(), f"{self.provider_name} did not revoke access")
        if self.already_revoked_error is not None and error.reason == self.already_revoked_error:
            return
        if isinstance(error, Revoked):
            # invalid_grant on a revoke: the grant is gone already.
            return
        raise error

    # -- plumbing -------------------------------------------------------------------

    def _basic(self) -> requests.auth.HTTPBasicAuth:
        return requests.auth.HTTPBasicAuth(self.client_id, self.client_secret)

    def _client_auth(self, *, refresh: bool = False) -> dict[str, Any]:
        if self.client_auth == "basic":
            return {"auth": self._basic()}
        if refresh:
            # refresh_token() puts its keyword arguments into the form as they are.
            return {"client_id": self.client_id, "client_secret": self.client_secret}
        return {"client_secret": self.client_secret, "include_client_id": True}

    def _session(self, what: str, redirect_uri: str | None = None) -> Any:
        # No scope on this session: oauthlib would otherwise refuse an answer whose
        # scope differs from the request's, which incremental consent always gives.
        session = OAuth2Session(self.client_id, redirect_uri=redirect_uri)

        def check(response: requests.Response) -> requests.Response:
            # oauthlib parses any body as a token and raises generic errors for the
            # rest; map the statuses to typed errors before it sees the response.
            if response.status_code != 200:
                raise token_error(response, self.now(), what)
            return response

        session.register_compliance_hook("access_token_response", check)
        session.register_compliance_hook("refresh_token_response", check)
        return session

    def _call(self, fetch: Callable[[], Any]) -> Mapping[str, Any]:
        try:
            token: Mapping[str, Any] = fetch()
        except InsecureTransportError:
            raise
        except OAuth2Error as exc:
            why = exc.description or exc.error
            raise BadResponse(
                f"{self.provider_name}'s token response was rejected: {why}", reason=exc.error
            ) from exc
        except requests.RequestException as exc:
            raise Unavailable(
                f"{self.provider_name}'s token endpoint is unreachable: {exc}"
            ) from exc
        return token


def token_error(response: requests.Response, now: datetime, what: str) -> ProviderError:
    """The typed error for a failed token or revoke request.

    Bodies are RFC 6749's ``{"error", "error_description"}``; Zoom says ``reason``
    instead of ``error_description``, sometimes with 401 rather than 400."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    error = body.get("error")
    error = str(error) if error else None
    description = body.get("error_description") or body.get("reason")
    detail = f"{what}: {description or error or response.reason}"
    status = response.status_code
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"), now)
        return RateLimited(detail, retry_after=wait, http_status=status, reason=error)
    if status >= 500:
        return Unavailable(detail, http_status=status, reason=error)
    if error == "invalid_grant":
        return Revoked(detail, http_status=status, reason=error)
    return ProviderError(detail, http_status=status, reason=error)


def _tokens_from(
    token: Mapping[str, Any],
    issued_at: datetime,
    provider_name: str,
    previous: OAuthTokens | None = None,
) -> OAuthTokens:
    # oauthlib turns ``scope`` into a list; we keep the space-separated form.
    scope = token.get("scope")
    scope_text = " ".join(scope) if isinstance(scope, list | tuple) else str(scope or "")
    # Providers that do not rotate answer a refresh without one: keep ours.
    refresh_token = str(token.get("refresh_token") or (previous.refresh_token if previous else ""))
    if not refresh_token:
        raise BadResponse(f"{provider_name}'s token response lacks a refresh token")
    try:
        return OAuthTokens(
            access_token=str(token["access_token"]),
            refresh_token=refresh_token,
            expires_at=issued_at + timedelta(seconds=int(token["expires_in"])),
            scope=scope_text or (previous.scope if previous else ""),
            cache=previous.cache if previous else "",
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse(f"{provider_name}'s token response lacks {exc}") from exc
