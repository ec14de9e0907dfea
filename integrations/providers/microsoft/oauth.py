"""Microsoft's OAuth client, on msal, behind the accounts layer's
:class:`~integrations.accounts.oauth.ConsentFlow` interface.

msal does the protocol: ``state``, PKCE (S256) and the OpenID ``nonce`` come from
``initiate_auth_code_flow``; ``acquire_token_by_auth_code_flow`` checks them and
redeems the code. msal keeps the grant in its own token cache (the refresh token
lives there), so :class:`OAuthTokens` carries the serialised cache in ``cache``,
encrypted with the rest, and ``refresh_token`` stays empty. A refresh deserialises
the cache into a fresh msal application, runs ``acquire_token_silent`` and
serialises the cache again; the caller (:mod:`integrations.accounts.refresh`) does
that under the account's cross-process lock and stores the result before any
request uses it.

Microsoft quirks:

- msal accepts only https authorities, and GETs the authority's OpenID
  configuration when the application is built. Those GETs are cached for a day in
  an ``http_cache`` shared by every application of this client, so a refresh costs
  one token request and nothing else.
- msal adds ``openid``, ``profile`` and ``offline_access`` itself and refuses
  them in ``scopes``.
- Failures come back as a dict with ``error``, not as exceptions; msal caches an
  identical failed 400 answer for 60 s.
- Refresh tokens are not revoked through an OAuth endpoint (Entra has none for a
  single grant): disconnecting deletes our subscriptions and forgets the cache.

Least privilege: conflict calendars need ``Calendars.Read`` (list calendars, read
the calendar view, subscribe to changes); ``Calendars.ReadWrite`` is asked for only
when the host turns on one-way or two-way sync.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import msal
import requests
from msal.exceptions import MsalServiceError

from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    ProviderError,
    Revoked,
    Unavailable,
)
from integrations.accounts.oauth import Consent
from integrations.accounts.tokens import OAuthTokens

__all__ = [
    "READ_SCOPES",
    "WRITE_SCOPES",
    "MicrosoftApp",
    "MicrosoftIdentity",
]

#: Conflict calendars: list calendars, read their view, subscribe to changes.
READ_SCOPES = ("Calendars.Read",)
#: One-way and two-way sync: create, change and delete events too.
WRITE_SCOPES = ("Calendars.ReadWrite",)
#: Entra answers these for a grant that is gone (revoked, expired, password reset).
_REVOKED = frozenset({"invalid_grant"})
_NEEDS_USER = frozenset({"interaction_required", "consent_required", "login_required"})
_PASSING = frozenset({"temporarily_unavailable", "server_error", "service_unavailable"})


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class MicrosoftIdentity:
    """Who signed in: the home account id msal keys its cache by, and the UPN."""

    home_account_id: str
    username: str


@dataclass(frozen=True)
class MicrosoftApp:
    """The app registered in Microsoft Entra ID, and how to reach Microsoft.

    Built once by ``web`` from settings and handed down. Tests point ``authority``
    and ``graph_url`` at the emulator, with its CA file as ``verify``,
    ``instance_discovery=False`` and ``trust_env=False``."""

    provider_name: ClassVar[str] = "Microsoft"

    client_id: str
    client_secret: str = field(repr=False)
    #: ``https://login.microsoftonline.com/<tenant>``: ``common`` for work and
    #: personal accounts, ``organizations``, or one tenant's id.
    authority: str = "https://login.microsoftonline.com/common"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    #: Seconds for every HTTP request (connect, read).
    timeout: float = 20.0
    #: requests' ``verify``: True, or a CA bundle (the emulator's certificate).
    verify: bool | str = True
    #: msal asks login.microsoftonline.com whether the authority is known; off for
    #: authorities it cannot know (the emulator, sovereign clouds set explicitly).
    instance_discovery: bool = True
    #: Proxies and CA bundles from the environment (REQUESTS_CA_BUNDLE overrides
    #: ``verify``): off in tests.
    trust_env: bool = True
    now: Callable[[], datetime] = utc_now
    #: msal's cache of discovery answers, shared by every application built here.
    http_cache: MutableMapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # -- plumbing -------------------------------------------------------------------

    def session(self) -> requests.Session:
        """A requests session for msal and Graph, with a timeout on every request."""
        session = _TimedSession(self.timeout)
        session.trust_env = self.trust_env
        session.verify = self.verify
        return session

    def _msal(self, cache: msal.SerializableTokenCache | None = None) -> msal.ClientApplication:
        try:
            return msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self.client_secret,
                authority=self.authority,
                instance_discovery=self.instance_discovery,
                http_client=self.session(),
                http_cache=self.http_cache,
                token_cache=cache,
            )
        except (requests.RequestException, MsalServiceError) as exc:
            raise Unavailable(f"Microsoft's sign-in service is unreachable: {exc}") from exc
        except ValueError as exc:
            # msal raises ValueError for an authority whose discovery fails.
            raise Unavailable(f"Microsoft's sign-in service refused discovery: {exc}") from exc

    # -- consent --------------------------------------------------------------------

    def begin(
        self,
        redirect_uri: str,
        scopes: Sequence[str],
        *,
        include_granted: bool = False,
        login_hint: str | None = None,
    ) -> Consent:
        """msal's flow (state, PKCE verifier, nonce) kept whole, as JSON, in
        ``pending``. ``include_granted`` needs nothing here: Entra always adds new
        scopes to what the user consented to before."""
        with warnings.catch_warnings():
            # msal recommends response_mode=form_post; our callback is a GET because
            # a cross-site POST arrives without the host's (SameSite=Lax) session
            # cookie, and the session holds this flow. state and PKCE still bind it.
            warnings.filterwarnings("ignore", "response_mode='form_post'", UserWarning)
            flow = self._msal().initiate_auth_code_flow(
                list(scopes or READ_SCOPES), redirect_uri=redirect_uri, login_hint=login_hint
            )
        return Consent(
            str(flow["auth_uri"]),
            {
                "state": str(flow["state"]),
                "redirect_uri": redirect_uri,
                "scopes": " ".join(scopes or READ_SCOPES),
                "flow": json.dumps(flow),
            },
        )

    def finish(self, pending: Mapping[str, str], response: Mapping[str, str]) -> OAuthTokens:
        """Redeem the callback's query (``code``, ``state``, ``client_info``)."""
        if not response.get("code"):
            raise BadResponse("Microsoft sent no code back.")
        try:
            flow = json.loads(pending["flow"])
        except (KeyError, ValueError) as exc:
            raise BadResponse("the sign-in was not started here") from exc
        cache = msal.SerializableTokenCache()
        issued_at = self.now()
        try:
            result = self._msal(cache).acquire_token_by_auth_code_flow(flow, dict(response))
        except ValueError as exc:
            # msal refuses a state or nonce that does not match its flow.
            raise BadResponse(f"Microsoft's answer did not match the sign-in: {exc}") from exc
        except (requests.RequestException, MsalServiceError) as exc:
            raise _transport(exc) from exc
        tokens = self._tokens(result, cache, issued_at, "Microsoft refused the sign-in")
        if not _has_refresh_token(cache):
            raise BadResponse("Microsoft granted no offline access (no refresh token).")
        return tokens

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """A new access token from the refresh token in ``tokens.cache``; the cache
        comes back serialised in the result (Entra may rotate the refresh token)."""
        cache = msal.SerializableTokenCache()
        if tokens.cache:
            cache.deserialize(tokens.cache)
        app = self._msal(cache)
        accounts = app.get_accounts()
        if not accounts:
            raise AuthExpired("the stored Microsoft grant holds no account: reconnect")
        issued_at = self.now()
        try:
            result = app.acquire_token_silent_with_error(
                _resource_scopes(tokens.scope) or list(READ_SCOPES),
                accounts[0],
                # Called when our copy is about to expire or was refused: never hand
                # back msal's cached access token.
                force_refresh=True,
            )
        except (requests.RequestException, MsalServiceError) as exc:
            raise _transport(exc) from exc
        if result is None:
            raise AuthExpired("the stored Microsoft grant has no refresh token: reconnect")
        return self._tokens(result, cache, issued_at, "Microsoft refused to renew access")

    def identity(self, tokens: OAuthTokens) -> MicrosoftIdentity:
        """The signed-in account, as msal recorded it from the id_token."""
        cache = msal.SerializableTokenCache()
        cache.deserialize(tokens.cache)
        found = list(cache.search(msal.TokenCache.CredentialType.ACCOUNT))
        if not found:
            raise BadResponse("Microsoft's answer named no account")
        first = found[0]
        home = str(first.get("home_account_id") or "")
        if not home:
            raise BadResponse("Microsoft's answer named no account id (client_info)")
        return MicrosoftIdentity(home, str(first.get("username") or ""))

    def revoke(self, tokens: OAuthTokens) -> None:
        """Nothing to call: Entra has no endpoint that revokes one grant. Forgetting
        the cache is what disconnecting does."""

    # -- answers --------------------------------------------------------------------

    def _tokens(
        self,
        result: Mapping[str, Any],
        cache: msal.SerializableTokenCache,
        issued_at: datetime,
        what: str,
    ) -> OAuthTokens:
        if "error" in result:
            raise token_error(result, what)
        try:
            return OAuthTokens(
                access_token=str(result["access_token"]),
                refresh_token="",
                expires_at=issued_at + timedelta(seconds=int(result["expires_in"])),
                scope=_resource_scope_text(str(result.get("scope") or "")),
                cache=cache.serialize(),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponse(f"Microsoft's token answer lacks {exc}") from exc


def token_error(result: Mapping[str, Any], what: str) -> ProviderError:
    """The typed error for msal's failure dict (``error``, ``error_description``)."""
    error = str(result.get("error") or "")
    description = str(result.get("error_description") or "").splitlines()
    detail = f"{what}: {description[0] if description else error}"
    if error in _REVOKED:
        return Revoked(detail, reason=error)
    if error in _NEEDS_USER:
        return AuthExpired(detail, reason=error)
    if error in _PASSING:
        return Unavailable(detail, reason=error)
    return ProviderError(detail, reason=error or None)


def _transport(exc: Exception) -> ProviderError:
    """msal raises for an answer that is not JSON (a proxy's 502 page, an outage)
    and lets network errors through."""
    if isinstance(exc, MsalServiceError):
        return Unavailable(f"Microsoft's token endpoint failed: {exc}")
    return Unavailable(f"Microsoft's token endpoint is unreachable: {exc}")


_OIDC = frozenset({"openid", "profile", "offline_access", "email"})


def _resource_scopes(scope: str) -> list[str]:
    """Scopes msal may be asked for: Graph's, without the OpenID ones it adds."""
    return [s for s in scope.split() if s.lower() not in _OIDC]


def _resource_scope_text(scope: str) -> str:
    """What the account granted us of Graph, as the accounts layer records it: short
    names (Entra may answer ``https://graph.microsoft.com/Calendars.Read``), without
    the OpenID scopes every sign-in carries."""
    return " ".join(_resource_scopes(" ".join(s.rsplit("/", 1)[-1] for s in scope.split())))


def _has_refresh_token(cache: msal.SerializableTokenCache) -> bool:
    return any(True for _ in cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN))


class _TimedSession(requests.Session):
    """requests has no session-wide timeout; msal passes none of its own."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.setdefault("timeout", self._timeout)
        if kwargs["timeout"] is None:
            kwargs["timeout"] = self._timeout
        return super().request(method, url, *args, **kwargs)
