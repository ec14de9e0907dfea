"""Microsoft Entra ID (v2.0 endpoints) for the Microsoft emulator: what msal needs.

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (msal reads issuer,
  authorization_endpoint and token_endpoint) and the JWKS it names;
- ``GET /{tenant}/oauth2/v2.0/authorize``: the auth code flow with state, nonce and
  PKCE (S256 or plain), consenting at once as the configured user or through a form
  a test submits; ``client_info=1`` adds client_info to the redirect, as Entra does;
- ``POST /{tenant}/oauth2/v2.0/token``: authorization_code and refresh_token grants.
  Replies carry access_token, a new refresh_token every time, expires_in, scope, an
  RS256 id_token (nonce, aud, iss, exp, oid, tid, preferred_username; msal 1.39
  decodes it without checking the signature) and client_info, the base64url
  ``{"uid", "utid"}`` msal keys its account (and so silent refresh) on.

Errors follow https://learn.microsoft.com/entra/identity-platform/reference-error-codes:
``{"error", "error_description": "AADSTSnnnn: ...", "error_codes", "timestamp",
"trace_id", "correlation_id", "error_uri"}``. The caller holds the emulator's lock.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.emulators.microsoft_errors import GraphError

CODE_LIFETIME = timedelta(minutes=10)
GRAPH_RESOURCE = "https://graph.microsoft.com/"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
# Delegated Graph permissions the emulator knows; any other scope is invalid_scope.
GRAPH_SCOPES = frozenset(
    {
        "calendars.read",
        "calendars.readwrite",
        "calendars.read.shared",
        "calendars.readwrite.shared",
        "calendars.readbasic",
        "user.read",
        ".default",
    }
)
CALENDAR_READ = frozenset(
    {"calendars.read", "calendars.readwrite", "calendars.read.shared", "calendars.readwrite.shared"}
)
CALENDAR_WRITE = frozenset({"calendars.readwrite", "calendars.readwrite.shared"})

Reply = tuple[int, dict[str, str], bytes]


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@functools.cache
def _signing_key() -> rsa.RSAPrivateKey:
    # Made once per process: RSA key generation is the slowest step of a test run.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def graph_scope(scope: str) -> str:
    """ "https://graph.microsoft.com/Calendars.Read" and "Calendars.Read" are one scope."""
    lowered = scope.lower()
    if lowered.startswith(GRAPH_RESOURCE):
        lowered = lowered[len(GRAPH_RESOURCE) :]
    return lowered


class OAuthError(Exception):
    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"{error}: AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description

    def body(self, now: datetime) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.description}\r\nTrace ID: {trace}"
            f"\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


@dataclass(frozen=True)
class AppRegistration:
    client_id: str
    client_secret: str
    # None: any http(s) redirect URI on loopback (Entra wants each one registered).
    redirect_uris: frozenset[str] | None


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    nonce: str | None
    challenge: str | None
    challenge_method: str
    expires_at: datetime
    redeemed: bool = False


@dataclass
class RefreshToken:
    client_id: str
    family: str
    scopes: tuple[str, ...]
    superseded: bool = False


@dataclass
class AccessToken:
    client_id: str
    scopes: frozenset[str]  # normalised: lower case, no resource prefix
    expires_at: datetime
    family: str


@dataclass
class PendingConsent:
    query: dict[str, str]


@dataclass
class IdentityUser:
    oid: str
    tid: str
    upn: str
    display_name: str


@dataclass
class IdentityServer:
    base_url: str
    user: IdentityUser
    now: Callable[[], datetime]
    access_token_lifetime: timedelta
    tenant_domain: str
    apps: dict[str, AppRegistration] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)
    pending: dict[str, PendingConsent] = field(default_factory=dict)
    consent_mode: str = "auto"  # "auto", "form" or "deny"
    # Entra keeps a used refresh token valid ("you're expected to discard the old
    # refresh token"); strict mode refuses it, to prove a client stores the new one.
    strict_refresh_rotation: bool = False

    # -- discovery --------------------------------------------------------------

    def known_tenant(self, tenant: str) -> bool:
        return tenant.lower() in {
            self.user.tid,
            "common",
            "organizations",
            self.tenant_domain.lower(),
        }

    def unknown_tenant(self, tenant: str) -> OAuthError:
        return OAuthError(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud.",
        )

    def issuer(self) -> str:
        return f"{self.base_url}/{self.user.tid}/v2.0"

    def openid_configuration(self, tenant: str) -> dict[str, Any]:
        prefix = f"{self.base_url}/{tenant}"
        issuer = (
            f"{self.base_url}/{{tenantid}}/v2.0"
            if tenant.lower() in ("common", "organizations")
            else self.issuer()
        )
        return {
            "token_endpoint": f"{prefix}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{prefix}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": issuer,
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{prefix}/oauth2/v2.0/logout",
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "nonce",
                "preferred_username",
                "name",
                "tid",
                "ver",
                "oid",
            ],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }

    def jwks(self) -> dict[str, Any]:
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_signing_key().public_key()))
        key.update(kid=self._kid(), use="sig", alg="RS256")
        return {"keys": [key]}

    @staticmethod
    def _kid() -> str:
        numbers = _signing_key().public_key().public_numbers()
        return b64url(hashlib.sha256(str(numbers.n).encode()).digest()[:16])

    # -- authorize --------------------------------------------------------------

    def authorize(self, tenant: str, query: dict[str, str]) -> Reply:
        if not self.known_tenant(tenant):
            return _page(400, self.unknown_tenant(tenant))
        app = self.apps.get(query.get("client_id", ""))
        if app is None:
            return _page(400, self._app_not_found(query.get("client_id", "")))
        redirect_uri = query.get("redirect_uri", "")
        if not _redirect_allowed(app, redirect_uri):
            # A reply URL Entra does not know is never redirected to.
            return _page(
                400,
                OAuthError(
                    400,
                    "invalid_request",
                    50011,
                    f"The redirect URI '{redirect_uri}' specified in the request does not match "
                    f"the redirect URIs configured for the application '{app.client_id}'.",
                ),
            )
        error = self._authorize_error(query)
        if error is not None:
            return self._redirect(query, {"error": error.error, "error_description": _aad(error)})
        if self.consent_mode == "form":
            request_id = secrets.token_urlsafe(16)
            self.pending[request_id] = PendingConsent(dict(query))
            return _consent_form(tenant, request_id, query)
        return self._decide(query, accept=self.consent_mode == "auto")

    def consent(self, form: dict[str, str]) -> Reply:
        pending = self.pending.pop(form.get("request", ""), None)
        if pending is None:
            return _page(
                400,
                OAuthError(400, "invalid_request", 90014, "The consent request is unknown."),
            )
        return self._decide(pending.query, accept=form.get("decision") == "accept")

    def _authorize_error(self, query: dict[str, str]) -> OAuthError | None:
        if query.get("response_type") != "code":
            return OAuthError(
                400,
                "unsupported_response_type",
                700054,
                f"response_type '{query.get('response_type')}' is not enabled for the application.",
            )
        scopes = query.get("scope", "").split()
        if not scopes:
            return OAuthError(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.",
            )
        unknown = [s for s in scopes if s not in OIDC_SCOPES and graph_scope(s) not in GRAPH_SCOPES]
        if unknown:
            return OAuthError(
                400,
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid. The scope "
                f"{' '.join(unknown)} is not valid.",
            )
        method = query.get("code_challenge_method", "plain")
        if "code_challenge" in query and method not in ("S256", "plain"):
            return OAuthError(
                400,
                "invalid_request",
                501491,
                "Invalid size of Code_Challenge parameter.",
            )
        return None

    def _decide(self, query: dict[str, str], *, accept: bool) -> Reply:
        if not accept:
            return self._redirect(
                query,
                {
                    "error": "access_denied",
                    "error_subcode": "cancel",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                },
            )
        code = "1.A" + secrets.token_urlsafe(48)
        self.codes[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            scopes=tuple(query["scope"].split()),
            nonce=query.get("nonce"),
            challenge=query.get("code_challenge"),
            challenge_method=query.get("code_challenge_method", "plain"),
            expires_at=self.now() + CODE_LIFETIME,
        )
        answer = {"code": code}
        if query.get("client_info") == "1":
            answer["client_info"] = self.client_info()
        answer["session_state"] = str(uuid.uuid4())
        return self._redirect(query, answer)

    @staticmethod
    def _redirect(query: dict[str, str], answer: dict[str, str]) -> Reply:
        if "state" in query:
            answer = {**answer, "state": query["state"]}
        redirect_uri = query["redirect_uri"]
        mode = query.get("response_mode", "query")
        if mode == "form_post":
            fields = "".join(
                f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}"/>'
                for k, v in answer.items()
            )
            page = (
                f'<html><body onload="document.forms[0].submit()"><form method="POST" '
                f'action="{html.escape(redirect_uri)}">{fields}</form></body></html>'
            )
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        separator = "#" if mode == "fragment" else ("&" if urlsplit(redirect_uri).query else "?")
        return 302, {"Location": redirect_uri + separator + urlencode(answer)}, b""

    # -- token ------------------------------------------------------------------

    def token(self, tenant: str, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        if not self.known_tenant(tenant):
            raise self.unknown_tenant(tenant)
        app = self._authenticate(form, authorization)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            )
        if grant_type == "authorization_code":
            return self._redeem_code(app, form)
        if grant_type == "refresh_token":
            return self._refresh(app, form)
        raise OAuthError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
        )

    def _app_not_found(self, client_id: str) -> OAuthError:
        return OAuthError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{self.tenant_domain}'. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant.",
        )

    def _authenticate(self, form: dict[str, str], authorization: str | None) -> AppRegistration:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            # RFC 6749 2.3.1: both parts are form-encoded before Basic encoding (msal does).
            decoded = base64.b64decode(authorization[6:]).decode()
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        if not client_id:
            raise OAuthError(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            )
        app = self.apps.get(client_id)
        if app is None:
            raise self._app_not_found(client_id)
        if not secret:
            raise OAuthError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' "
                "or 'client_secret'.",
            )
        if not secrets.compare_digest(secret, app.client_secret):
            raise OAuthError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{app.client_id}'.",
            )
        return app

    def _redeem_code(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        code = form.get("code", "")
        grant = self.codes.get(code)
        if grant is None or grant.client_id != app.client_id:
            raise OAuthError(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if grant.redeemed:
            raise OAuthError(
                400,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid "
                "code or use an existing refresh token.",
            )
        if grant.expires_at <= self.now():
            raise OAuthError(
                400,
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to "
                "inactivity. Send a new interactive authorization request for this user and "
                "resource.",
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            raise OAuthError(
                400,
                "invalid_grant",
                500112,
                f"The reply address '{form.get('redirect_uri')}' does not match the reply "
                f"address '{grant.redirect_uri}' provided when requesting Authorization code.",
            )
        if grant.challenge is not None:
            verifier = form.get("code_verifier", "")
            if grant.challenge_method == "S256":
                computed = b64url(hashlib.sha256(verifier.encode("ascii")).digest())
            else:
                computed = verifier
            if not verifier or not secrets.compare_digest(computed, grant.challenge):
                # Entra leaves the code redeemable after a PKCE failure.
                raise OAuthError(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the "
                    "authorization request.",
                )
        grant.redeemed = True
        return self.issue(
            app.client_id,
            grant.scopes,
            nonce=grant.nonce,
            family=secrets.token_hex(8),
            client_info=form.get("client_info") == "1",
        )

    def _refresh(self, app: AppRegistration, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        stored = self.refresh_tokens.get(token)
        if stored is None or stored.client_id != app.client_id:
            raise OAuthError(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if stored.family in self.revoked_families:
            raise OAuthError(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is "
                "needed. The user might have changed or reset their password.",
            )
        if stored.superseded and self.strict_refresh_rotation:
            raise OAuthError(
                400,
                "invalid_grant",
                70000,
                "Provided grant is invalid or malformed. The refresh token was already used "
                "(strict rotation in the emulator).",
            )
        granted = {graph_scope(s) for s in stored.scopes}
        asked = tuple(form.get("scope", "").split()) or stored.scopes
        beyond = [s for s in asked if s not in OIDC_SCOPES and graph_scope(s) not in granted]
        if beyond:
            raise OAuthError(
                400,
                "invalid_grant",
                65001,
                "The user or administrator has not consented to use the application with ID "
                f"'{app.client_id}'. Send an interactive authorization request for this user "
                "and resource.",
            )
        stored.superseded = True
        # A refreshed grant keeps every scope consented to; the reply names those asked.
        answer = self.issue(
            app.client_id,
            asked,
            nonce=None,
            family=stored.family,
            client_info=form.get("client_info") == "1",
            refresh_scopes=stored.scopes,
        )
        return answer

    def issue(
        self,
        client_id: str,
        scopes: tuple[str, ...],
        *,
        nonce: str | None,
        family: str,
        client_info: bool,
        refresh_scopes: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        now = self.now()
        lifetime = int(self.access_token_lifetime.total_seconds())
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        normalised = frozenset(graph_scope(s) for s in resource_scopes)
        access_token = self._jwt(
            {
                "aud": GRAPH_APP_ID,
                "iss": f"https://sts.windows.net/{self.user.tid}/",
                "iat": int(now.timestamp()),
                "nbf": int(now.timestamp()),
                "exp": int(now.timestamp()) + lifetime,
                "appid": client_id,
                "oid": self.user.oid,
                "tid": self.user.tid,
                "upn": self.user.upn,
                "scp": " ".join(resource_scopes),
                "uti": secrets.token_urlsafe(16),
                "ver": "1.0",
            }
        )
        self.access_tokens[access_token] = AccessToken(
            client_id, normalised, now + timedelta(seconds=lifetime), family
        )
        reply_scopes = list(resource_scopes)
        if "openid" in scopes:
            reply_scopes += ["profile", "openid", "email"]
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(reply_scopes),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }
        if "offline_access" in scopes:
            refresh_token = "1.A" + secrets.token_urlsafe(64)
            self.refresh_tokens[refresh_token] = RefreshToken(
                client_id, family, tuple(refresh_scopes or scopes)
            )
            answer["refresh_token"] = refresh_token
        if "openid" in scopes:
            claims: dict[str, Any] = {
                "aud": client_id,
                "iss": self.issuer(),
                "iat": int(now.timestamp()),
                "nbf": int(now.timestamp()),
                "exp": int(now.timestamp()) + 3600,
                "name": self.user.display_name,
                "oid": self.user.oid,
                "preferred_username": self.user.upn,
                "sub": b64url(hashlib.sha256(f"{self.user.oid}{client_id}".encode()).digest()),
                "tid": self.user.tid,
                "ver": "2.0",
            }
            if "email" in scopes or "profile" in scopes:
                claims["email"] = self.user.upn
            if nonce is not None:
                claims["nonce"] = nonce
            answer["id_token"] = self._jwt(claims)
        if client_info:
            answer["client_info"] = self.client_info()
        return answer

    def client_info(self) -> str:
        return b64url(json.dumps({"uid": self.user.oid, "utid": self.user.tid}).encode())

    def _jwt(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, _signing_key(), algorithm="RS256", headers={"kid": self._kid(), "typ": "JWT"}
        )

    # -- revocation and checks --------------------------------------------------

    def revoke(self, refresh_token: str | None) -> None:
        """Revoke one grant (the family of a refresh token) or every grant. Access
        tokens already issued keep working until they expire, as Entra's do."""
        if refresh_token is None:
            self.revoked_families |= {t.family for t in self.refresh_tokens.values()}
            return
        stored = self.refresh_tokens.get(refresh_token)
        if stored is None:
            raise KeyError(refresh_token)
        self.revoked_families.add(stored.family)

    def expire_access_tokens(self) -> None:
        for token in self.access_tokens.values():
            token.expires_at = min(token.expires_at, self.now())

    def check(self, bearer: str | None) -> AccessToken:
        if not bearer:
            raise _unauthenticated("Access token is empty.")
        token = self.access_tokens.get(bearer)
        if token is None:
            if bearer.count(".") != 2:
                raise _unauthenticated(
                    "IDX14100: JWT is not well formed, there are no dots (.). The token needs to "
                    "be in JWS or JWE Compact Serialization Format."
                )
            raise _unauthenticated("Access token validation failure. Invalid audience.")
        if token.expires_at <= self.now():
            raise _unauthenticated("Lifetime validation failed, the token is expired.")
        return token


def _unauthenticated(message: str) -> GraphError:
    return GraphError(
        401,
        "InvalidAuthenticationToken",
        message,
        headers={
            "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline'
            f'.com/common/oauth2/authorize", client_id="{GRAPH_APP_ID}"'
        },
    )


def _aad(error: OAuthError) -> str:
    return f"AADSTS{error.code}: {error.description}"


def _redirect_allowed(app: AppRegistration, redirect_uri: str) -> bool:
    if app.redirect_uris is not None:
        return redirect_uri in app.redirect_uris
    parts = urlsplit(redirect_uri)
    return parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _page(status: int, error: OAuthError) -> Reply:
    # Entra shows its own error page for these; nothing goes back to the app.
    text = (
        "<html><head><title>Sign in to your account</title></head><body>"
        f"<h1>Sorry, but we're having trouble signing you in.</h1><p>{html.escape(_aad(error))}"
        "</p></body></html>"
    )
    return status, {"Content-Type": "text/html; charset=utf-8"}, text.encode()


def _consent_form(tenant: str, request_id: str, query: dict[str, str]) -> Reply:
    scopes = html.escape(query.get("scope", ""))
    page = (
        "<html><head><title>Permissions requested</title></head><body>"
        f"<h1>Permissions requested</h1><p>The app wants: {scopes}</p>"
        f'<form method="POST" action="/{html.escape(tenant)}/oauth2/v2.0/authorize/consent">'
        f'<input type="hidden" name="request" value="{request_id}"/>'
        '<button name="decision" value="accept">Accept</button>'
        '<button name="decision" value="deny">Cancel</button>'
        "</form></body></html>"
    )
    return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
