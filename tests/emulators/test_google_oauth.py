"""OAuth 2.0 in the Google Calendar emulator: the authorize redirect with PKCE, the
token endpoint, and google-auth's Credentials refreshing against it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.auth.exceptions import RefreshError
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator

REDIRECT_URI = "http://127.0.0.1:8765/oauth/google/callback"
SCOPE = "https://www.googleapis.com/auth/calendar"


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(g: GoogleCalendarEmulator, verifier: str, **overrides: str) -> requests.Response:
    params = {
        "client_id": g.client_id,
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": SCOPE,
        "state": "xyz",
        "access_type": "offline",
        "code_challenge": challenge_of(verifier),
        "code_challenge_method": "S256",
        **overrides,
    }
    return requests.get(g.authorize_url, params=params, allow_redirects=False, timeout=5)


def code_from(response: requests.Response) -> str:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(g: GoogleCalendarEmulator, code: str, verifier: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": g.client_id,
        "client_secret": g.client_secret,
        "code_verifier": verifier,
    }
    return requests.post(g.token_uri, data=form, timeout=5)


class TestAuthorizationCodeFlow:
    def test_pkce_flow_gives_working_tokens(self, google_emulator: GoogleCalendarEmulator) -> None:
        verifier = secrets.token_urlsafe(48)
        code = code_from(authorize(google_emulator, verifier))

        answer = exchange(google_emulator, code, verifier)

        assert answer.status_code == 200
        tokens = answer.json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["scope"] == SCOPE
        assert tokens["expires_in"] == 3600
        assert tokens["refresh_token"]
        calendars = requests.get(
            google_emulator.api_endpoint + "users/me/calendarList",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=5,
        )
        assert calendars.status_code == 200
        # A code works once.
        assert exchange(google_emulator, code, verifier).json()["error"] == "invalid_grant"

    def test_wrong_or_missing_verifier_is_invalid_grant(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        verifier = secrets.token_urlsafe(48)
        for sent, description in (
            (secrets.token_urlsafe(48), "Invalid code verifier."),
            ("", "Missing code verifier."),
        ):
            code = code_from(authorize(google_emulator, verifier))
            answer = exchange(google_emulator, code, sent)
            assert answer.status_code == 400
            assert answer.json() == {"error": "invalid_grant", "error_description": description}

    def test_no_refresh_token_without_offline_access(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        verifier = secrets.token_urlsafe(48)
        code = code_from(authorize(google_emulator, verifier, access_type="online"))

        assert "refresh_token" not in exchange(google_emulator, code, verifier).json()

    def test_declined_consent_redirects_with_access_denied(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        google_emulator.deny_consent()

        response = authorize(google_emulator, secrets.token_urlsafe(48))

        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query == {"error": ["access_denied"], "state": ["xyz"]}

    @pytest.mark.parametrize(
        ("overrides", "status", "error"),
        [
            ({"client_id": "someone-else"}, 401, "invalid_client"),
            ({"redirect_uri": "https://evil.example/cb"}, 400, "redirect_uri_mismatch"),
            ({"response_type": "token"}, 400, "invalid_request"),
            ({"scope": ""}, 400, "invalid_request"),
            ({"scope": "calendar"}, 400, "invalid_scope"),
            ({"code_challenge_method": "plain"}, 400, "invalid_request"),
        ],
    )
    def test_bad_authorize_requests_never_redirect(
        self,
        google_emulator: GoogleCalendarEmulator,
        overrides: dict[str, str],
        status: int,
        error: str,
    ) -> None:
        response = authorize(google_emulator, secrets.token_urlsafe(48), **overrides)

        assert response.status_code == status
        assert "Location" not in response.headers
        assert error in response.text

    def test_wrong_client_secret_is_invalid_client(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": google_emulator.issue_tokens()["refresh_token"],
            "client_id": google_emulator.client_id,
            "client_secret": "wrong",
        }

        answer = requests.post(google_emulator.token_uri, data=form, timeout=5)

        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"


class TestCredentialsRefresh:
    def test_expired_access_token_is_refreshed_and_the_call_succeeds(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        credentials = google_emulator.credentials()
        service = google_emulator.build_service(credentials)
        first_token = credentials.token
        google_emulator.expire_access_tokens()

        service.calendarList().list().execute()

        assert credentials.token != first_token
        statuses = [r.status for r in google_emulator.requests]
        assert statuses == [401, 200]

    def test_access_tokens_expire_on_the_emulators_clock(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        service = google_emulator.build_service()
        later = datetime.now(UTC) + timedelta(hours=2)
        google_emulator.now = lambda: later

        service.calendarList().list().execute()

        assert [r.status for r in google_emulator.requests] == [401, 200]

    def test_revoked_refresh_token_raises_refresh_error(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        service = google_emulator.build_service()
        google_emulator.revoke_refresh_token()

        with pytest.raises(RefreshError, match="invalid_grant"):
            service.calendarList().list().execute()

    def test_revoke_endpoint_kills_the_grant(self, google_emulator: GoogleCalendarEmulator) -> None:
        tokens = google_emulator.issue_tokens()

        revoked = requests.post(
            google_emulator.revoke_uri, data={"token": tokens["access_token"]}, timeout=5
        )
        again = requests.post(
            google_emulator.revoke_uri, data={"token": tokens["refresh_token"]}, timeout=5
        )

        assert revoked.status_code == 200
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_token"

    def test_oauth_endpoints_fail_only_when_named(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        tokens = google_emulator.issue_tokens()
        google_emulator.fail_next(1, 500, "backendError")  # an API fault: not for /revoke
        google_emulator.fail_next(1, 503, "backendError", "oauth2.revoke")

        refused = requests.post(
            google_emulator.revoke_uri, data={"token": tokens["refresh_token"]}, timeout=5
        )
        revoked = requests.post(
            google_emulator.revoke_uri, data={"token": tokens["refresh_token"]}, timeout=5
        )

        assert refused.status_code == 503
        assert refused.json()["error"] == "backendError"
        assert revoked.status_code == 200
        with pytest.raises(HttpError) as caught:  # the unnamed fault is still waiting
            google_emulator.build_service().calendarList().list().execute()
        assert caught.value.status_code == 500

    def test_a_lasting_401_surfaces_after_the_refresh_attempts(
        self, google_emulator: GoogleCalendarEmulator
    ) -> None:
        service = google_emulator.build_service()
        # google-auth-httplib2 refreshes and retries up to twice on a 401.
        google_emulator.fail_next(3, 401, "authError")

        with pytest.raises(HttpError) as caught:
            service.calendarList().list().execute()

        assert caught.value.status_code == 401
        assert caught.value.error_details[0]["reason"] == "authError"
        service.calendarList().list().execute()
