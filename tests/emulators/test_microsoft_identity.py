"""Entra ID in the Microsoft emulator, driven by the real msal: discovery, the auth code
flow with state, nonce and PKCE, silent refresh, and every refusal msal must survive."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import msal
import pytest
import requests
import time_machine

from tests.emulators.microsoft import MicrosoftGraphEmulator

# msal recommends form_post; both response modes are exercised here.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")

REDIRECT_URI = "http://127.0.0.1:8765/oauth/microsoft/callback"
SCOPES = ["Calendars.Read", "User.Read"]


def sign_in(ms: MicrosoftGraphEmulator, app: msal.ConfidentialClientApplication) -> dict[str, Any]:
    flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
    result: dict[str, Any] = app.acquire_token_by_auth_code_flow(
        flow, ms.browser_sign_in(flow["auth_uri"])
    )
    return result


def decode_b64url(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def refresh_tokens(app: msal.ConfidentialClientApplication) -> set[str]:
    return {
        rt["secret"] for rt in app.token_cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)
    }


def authorize(ms: MicrosoftGraphEmulator, **params: str) -> requests.Response:
    query = {
        "client_id": ms.client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "Calendars.Read offline_access openid",
        "state": "s1",
        **params,
    }
    with ms.http_session() as browser:
        return browser.get(
            f"{ms.authority}/oauth2/v2.0/authorize?{urlencode(query)}",
            allow_redirects=False,
            timeout=5,
        )


def redirect_query(answer: requests.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}


def token_request(ms: MicrosoftGraphEmulator, **form: str) -> requests.Response:
    body = {"client_id": ms.client_id, "client_secret": ms.client_secret, **form}
    with ms.http_session() as session:
        return session.post(f"{ms.authority}/oauth2/v2.0/token", data=body, timeout=5)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class TestDiscoveryAndTransport:
    def test_openid_configuration_names_the_endpoints_msal_reads(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        with ms.http_session() as session:
            document = session.get(
                f"{ms.authority}/v2.0/.well-known/openid-configuration", timeout=5
            ).json()

        assert document["issuer"] == f"{ms.base_url}/{ms.tenant_id}/v2.0"
        assert document["authorization_endpoint"] == f"{ms.authority}/oauth2/v2.0/authorize"
        assert document["token_endpoint"] == f"{ms.authority}/oauth2/v2.0/token"
        assert "RS256" in document["id_token_signing_alg_values_supported"]

    def test_an_unknown_tenant_stops_msal_at_construction(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        with pytest.raises(ValueError, match="Unable to get authority configuration"):
            microsoft_emulator.msal_app(tenant="nope")
        with microsoft_emulator.http_session() as session:
            answer = session.get(
                f"{microsoft_emulator.base_url}/nope/v2.0/.well-known/openid-configuration",
                timeout=5,
            )
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_tenant"
        assert answer.json()["error_codes"] == [90002]

    def test_msal_refuses_a_plain_http_authority(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        insecure = microsoft_emulator.authority.replace("https://", "http://")
        with pytest.raises(ValueError, match="https"):
            msal.ConfidentialClientApplication(
                microsoft_emulator.client_id,
                client_credential=microsoft_emulator.client_secret,
                authority=insecure,
                instance_discovery=False,
            )

    def test_the_certificate_verifies_only_against_the_test_ca(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        with requests.Session() as stranger:
            stranger.trust_env = False
            with pytest.raises(requests.exceptions.SSLError):
                stranger.get(microsoft_emulator.graph_url + "/me", timeout=5)
        with microsoft_emulator.httpx_client() as client:
            answer = client.get(microsoft_emulator.graph_url + "/me")
        assert answer.status_code == 401


class TestAuthCodeFlowWithMsal:
    def test_sign_in_gives_tokens_an_id_token_and_an_account(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        app = ms.msal_app()
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)

        result = app.acquire_token_by_auth_code_flow(flow, ms.browser_sign_in(flow["auth_uri"]))

        assert "error" not in result, result
        assert set(result["scope"].split()) >= {"Calendars.Read", "User.Read"}
        assert result["refresh_token"]
        claims = result["id_token_claims"]
        assert claims["aud"] == ms.client_id
        assert claims["iss"] == f"{ms.base_url}/{ms.tenant_id}/v2.0"
        assert (claims["oid"], claims["tid"]) == (ms.user_id, ms.tenant_id)
        assert claims["preferred_username"] == ms.user_email
        assert claims["exp"] > datetime.now(UTC).timestamp()
        # msal sends the SHA-256 of its secret nonce and checks it came back.
        assert claims["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
        assert decode_b64url(result["client_info"]) == {"uid": ms.user_id, "utid": ms.tenant_id}
        [account] = app.get_accounts()
        assert account["home_account_id"] == f"{ms.user_id}.{ms.tenant_id}"
        assert account["username"] == ms.user_email
        me = ms.http_session().get(
            ms.graph_url + "/me",
            headers={"Authorization": "Bearer " + result["access_token"]},
            timeout=5,
        )
        assert me.json()["id"] == ms.user_id

    def test_the_nonce_is_carried_into_the_id_token(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        app = microsoft_emulator.msal_app()
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
        replayed = re.sub(r"nonce=[^&]+", "nonce=" + "0" * 64, flow["auth_uri"])

        answer = microsoft_emulator.browser_sign_in(replayed)

        with pytest.raises(RuntimeError, match="nonce"):
            app.acquire_token_by_auth_code_flow(flow, answer)

    def test_the_id_token_is_signed_with_the_published_key(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        id_token = sign_in(ms, ms.msal_app())["id_token"]
        with ms.http_session() as session:
            jwks = session.get(f"{ms.authority}/discovery/v2.0/keys", timeout=5).json()
        [key] = jwks["keys"]
        assert jwt.get_unverified_header(id_token)["kid"] == key["kid"]

        claims = jwt.decode(
            id_token,
            jwt.PyJWK(key).key,
            algorithms=["RS256"],
            audience=ms.client_id,
            issuer=f"{ms.base_url}/{ms.tenant_id}/v2.0",
        )

        assert claims["oid"] == ms.user_id

    def test_state_mismatch_is_caught_by_msal(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        app = microsoft_emulator.msal_app()
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
        answer = microsoft_emulator.browser_sign_in(flow["auth_uri"])

        with pytest.raises(ValueError, match="state mismatch"):
            app.acquire_token_by_auth_code_flow(flow, {**answer, "state": "forged"})

    def test_form_post_response_mode(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        app = microsoft_emulator.msal_app()
        flow = app.initiate_auth_code_flow(
            SCOPES, redirect_uri=REDIRECT_URI, response_mode="form_post"
        )

        posted = microsoft_emulator.browser_sign_in(flow["auth_uri"])

        assert posted["state"] == flow["state"]
        assert "access_token" in app.acquire_token_by_auth_code_flow(flow, posted)

    def test_consent_form_accepted_or_cancelled(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        ms.set_consent("form")
        app = ms.msal_app()
        flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
        with ms.http_session() as browser:
            page = browser.get(flow["auth_uri"], allow_redirects=False, timeout=5)
        assert page.status_code == 200
        assert re.search(r'<form method="POST" action="[^"]+/authorize/consent">', page.text)

        granted = app.acquire_token_by_auth_code_flow(flow, ms.browser_sign_in(flow["auth_uri"]))
        refused_flow = app.initiate_auth_code_flow(SCOPES, redirect_uri=REDIRECT_URI)
        refused = app.acquire_token_by_auth_code_flow(
            refused_flow, ms.browser_sign_in(refused_flow["auth_uri"], consent=False)
        )

        assert "access_token" in granted
        assert refused["error"] == "access_denied"
        assert refused["error_description"].startswith("AADSTS65004")

    def test_denied_consent_comes_back_as_an_error_dict(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        microsoft_emulator.set_consent("deny")

        result = sign_in(microsoft_emulator, microsoft_emulator.msal_app())

        assert result["error"] == "access_denied"
        assert "access_token" not in result


class TestSilentRefresh:
    def test_cached_token_then_a_refresh_with_a_rotated_refresh_token(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        app = ms.msal_app()
        first = sign_in(ms, app)
        [account] = app.get_accounts()

        cached = app.acquire_token_silent(["Calendars.Read"], account=account)
        assert cached["access_token"] == first["access_token"]
        assert ms.count("token") == 1

        with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
            refreshed = app.acquire_token_silent(["Calendars.Read"], account=account)
            assert refreshed is not None
            assert refreshed["access_token"] != first["access_token"]
            calendars = ms.http_session().get(
                ms.graph_url + "/me/calendars",
                headers={"Authorization": "Bearer " + refreshed["access_token"]},
                timeout=5,
            )
            assert calendars.status_code == 200
            expired = ms.http_session().get(
                ms.graph_url + "/me/calendars",
                headers={"Authorization": "Bearer " + first["access_token"]},
                timeout=5,
            )

        assert ms.count("token") == 2
        assert refresh_tokens(app) == {_last_refresh_token(app)}
        assert first["refresh_token"] not in refresh_tokens(app)
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert expired.json()["error"]["message"] == (
            "Lifetime validation failed, the token is expired."
        )

    def test_revoked_grant_fails_the_refresh_but_not_the_live_access_token(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        app = ms.msal_app()
        tokens = sign_in(ms, app)
        [account] = app.get_accounts()

        ms.revoke_refresh_token(tokens["refresh_token"])

        still = ms.http_session().get(
            ms.graph_url + "/me",
            headers={"Authorization": "Bearer " + tokens["access_token"]},
            timeout=5,
        )
        assert still.status_code == 200
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
            result = app.acquire_token_silent_with_error(["Calendars.Read"], account=account)
        assert result is not None
        assert result["error"] == "invalid_grant"
        assert result["error_codes"] == [50173]

    def test_a_used_refresh_token_stays_valid_unless_rotation_is_strict(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        old = ms.issue_tokens()["refresh_token"]
        grant = {"grant_type": "refresh_token", "refresh_token": old, "client_info": "1"}

        first = token_request(ms, **grant)
        again = token_request(ms, **grant)
        ms.set_strict_refresh_rotation()
        strict = token_request(ms, **grant)
        newest = token_request(ms, **{**grant, "refresh_token": again.json()["refresh_token"]})

        assert first.status_code == again.status_code == 200
        assert first.json()["refresh_token"] != old
        assert strict.status_code == 400
        assert strict.json()["error"] == "invalid_grant"
        assert newest.status_code == 200


class TestTokenEndpointRefusals:
    def test_pkce_verifier_is_checked_and_a_code_redeems_once(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        verifier, challenge = pkce()
        code = redirect_query(
            authorize(ms, code_challenge=challenge, code_challenge_method="S256")
        )["code"]
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}

        wrong = token_request(ms, **grant, code_verifier="x" * 43)
        right = token_request(ms, **grant, code_verifier=verifier)
        reused = token_request(ms, **grant, code_verifier=verifier)

        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"
        assert wrong.json()["error_codes"] == [501481]
        assert right.status_code == 200
        assert reused.json()["error_codes"] == [54005]

    def test_an_expired_code(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        ms = microsoft_emulator
        code = redirect_query(authorize(ms))["code"]

        with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)):
            answer = token_request(
                ms, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
            )

        assert answer.json()["error"] == "invalid_grant"
        assert answer.json()["error_codes"] == [70008]

    def test_the_redirect_uri_must_match_the_authorize_request(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        code = redirect_query(authorize(ms))["code"]

        answer = token_request(
            ms,
            grant_type="authorization_code",
            code=code,
            redirect_uri="http://127.0.0.1:9999/elsewhere",
        )

        assert answer.json()["error"] == "invalid_grant"

    def test_a_wrong_secret_is_invalid_client_with_entra_error_fields(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        app = ms.msal_app(client_secret="not-the-secret")

        result = sign_in(ms, app)

        assert result["error"] == "invalid_client"
        assert result["error_description"].startswith("AADSTS7000215: Invalid client secret")
        assert result["error_codes"] == [7000215]
        assert {"timestamp", "trace_id", "correlation_id"} <= set(result)
        raw = token_request(ms, grant_type="refresh_token", refresh_token="x", client_secret="y")
        assert raw.status_code == 401

    def test_grant_type_problems(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        missing = token_request(microsoft_emulator)
        unsupported = token_request(microsoft_emulator, grant_type="password")
        unknown_token = token_request(
            microsoft_emulator, grant_type="refresh_token", refresh_token="forged"
        )

        assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
        assert missing.json()["error_codes"] == [900144]
        assert unsupported.json()["error"] == "unsupported_grant_type"
        assert unknown_token.json()["error"] == "invalid_grant"

    def test_an_unknown_client(self, microsoft_emulator: MicrosoftGraphEmulator) -> None:
        page = authorize(microsoft_emulator, client_id="00000000-0000-0000-0000-000000000000")
        token = token_request(
            microsoft_emulator,
            client_id="00000000-0000-0000-0000-000000000000",
            grant_type="refresh_token",
            refresh_token="x",
        )

        assert page.status_code == 400
        assert "Location" not in page.headers
        assert "AADSTS700016" in page.text
        assert token.json()["error"] == "unauthorized_client"

    def test_an_unregistered_redirect_uri_is_never_redirected_to(self) -> None:
        with MicrosoftGraphEmulator(redirect_uris=frozenset({REDIRECT_URI})) as ms:
            answer = authorize(ms, redirect_uri="http://127.0.0.1:1/stolen")

        assert answer.status_code == 400
        assert "Location" not in answer.headers
        assert "AADSTS50011" in answer.text

    def test_bad_authorize_parameters_go_back_to_the_app(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        bad_scope = redirect_query(authorize(microsoft_emulator, scope="Mail.Send openid"))
        bad_type = redirect_query(authorize(microsoft_emulator, response_type="token"))

        assert bad_scope["error"] == "invalid_scope"
        assert bad_scope["state"] == "s1"
        assert bad_type["error"] == "unsupported_response_type"

    def test_a_token_endpoint_outage_with_retry_after(
        self, microsoft_emulator: MicrosoftGraphEmulator
    ) -> None:
        ms = microsoft_emulator
        refresh = ms.issue_tokens()["refresh_token"]
        ms.fail_next(1, 503, operation="token", retry_after=7)

        failed = token_request(ms, grant_type="refresh_token", refresh_token=refresh)
        recovered = token_request(ms, grant_type="refresh_token", refresh_token=refresh)

        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "7"
        assert failed.json()["error"] == "temporarily_unavailable"
        assert recovered.status_code == 200


def _last_refresh_token(app: msal.ConfidentialClientApplication) -> str:
    [token] = app.token_cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)
    return str(token["secret"])
