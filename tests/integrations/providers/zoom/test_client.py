"""ZoomApp (OAuth) and ZoomClient against the local Zoom emulator; no mocks."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from oauthlib.oauth2 import InsecureTransportError, WebApplicationClient

from integrations.accounts.errors import (
    AuthExpired,
    FieldError,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    Unavailable,
)
from integrations.accounts.tokens import OAuthTokens
from integrations.providers.zoom import ZoomApp, ZoomClient, ZoomEndpoints
from integrations.vault import TokenVault, generate_key
from tests.emulators.zoom import DAILY_LIMIT_MESSAGE, ZoomEmulator

REDIRECT = ZoomEmulator.REDIRECT_URI


def new_code_verifier() -> str:
    return str(WebApplicationClient("any").create_code_verifier(86))


START = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)


class Clock:
    """Shared by the emulator and the app, so token expiry is tested without waiting."""

    def __init__(self) -> None:
        self.current = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture(autouse=True)
def _insecure_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    # The emulator speaks http://; oauthlib refuses that unless told (tests only).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def zoom(clock: Clock) -> Iterator[ZoomEmulator]:
    with ZoomEmulator(now=clock) as emulator:
        yield emulator


@pytest.fixture
def app(zoom: ZoomEmulator, clock: Clock) -> ZoomApp:
    return ZoomApp(
        zoom.client_id, zoom.client_secret, endpoints=zoom.endpoints, timeout=(1, 2), now=clock
    )


def consent(app: ZoomApp, verifier: str, state: str = "state-1") -> str:
    url = app.authorization_url(REDIRECT, state, verifier)
    response = requests.get(url, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


@pytest.fixture
def tokens(app: ZoomApp) -> OAuthTokens:
    verifier = new_code_verifier()
    return app.exchange_code(consent(app, verifier), REDIRECT, verifier)


@pytest.fixture
def saved() -> list[OAuthTokens]:
    return []


@pytest.fixture
def client(app: ZoomApp, tokens: OAuthTokens, saved: list[OAuthTokens]) -> Iterator[ZoomClient]:
    with ZoomClient(app, tokens, saved.append) as zoom_client:
        yield zoom_client


def token_calls(zoom: ZoomEmulator) -> int:
    return zoom.requests.count(("POST", "/oauth/token"))


class TestAuthorizationUrl:
    def test_carries_state_and_a_pkce_s256_challenge(self, app: ZoomApp) -> None:
        verifier = new_code_verifier()
        assert 43 <= len(verifier) <= 128
        query = parse_qs(urlsplit(app.authorization_url(REDIRECT, "st", verifier)).query)
        digest = hashlib.sha256(verifier.encode()).digest()
        assert query == {
            "response_type": ["code"],
            "client_id": [app.client_id],
            "redirect_uri": [REDIRECT],
            "state": ["st"],
            "code_challenge": [base64.urlsafe_b64encode(digest).rstrip(b"=").decode()],
            "code_challenge_method": ["S256"],
        }

    def test_defaults_point_at_zoom(self) -> None:
        app = ZoomApp("id", "secret")
        assert app.endpoints == ZoomEndpoints(
            "https://zoom.us/oauth/authorize",
            "https://zoom.us/oauth/token",
            "https://api.zoom.us/v2",
            "https://zoom.us/oauth/revoke",
        )
        assert "secret" not in repr(app)


class TestExchangeCode:
    def test_gives_tokens_that_expire_in_an_hour(self, tokens: OAuthTokens, clock: Clock) -> None:
        assert tokens.expires_at == clock() + timedelta(hours=1)
        assert tokens.scope == "meeting:read meeting:write user:read"
        assert tokens.access_token not in repr(tokens)

    def test_wrong_pkce_verifier_is_an_auth_error(self, app: ZoomApp) -> None:
        code = consent(app, new_code_verifier())
        with pytest.raises(AuthExpired) as caught:
            app.exchange_code(code, REDIRECT, new_code_verifier())
        assert caught.value.reason == "invalid_grant"

    def test_bad_client_secret_is_not_a_reconnect(self, app: ZoomApp) -> None:
        verifier = new_code_verifier()
        code = consent(app, verifier)
        wrong = replace(app, client_secret="wrong")
        with pytest.raises(ProviderError) as caught:
            wrong.exchange_code(code, REDIRECT, verifier)
        assert not isinstance(caught.value, AuthExpired)
        assert caught.value.reason == "invalid_client"
        assert caught.value.http_status == 401

    def test_http_is_refused_outside_tests(
        self, app: ZoomApp, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT")
        with pytest.raises(InsecureTransportError):
            app.exchange_code("code", REDIRECT, new_code_verifier())


class TestRefresh:
    def test_rotates_and_spends_the_old_refresh_token(
        self, app: ZoomApp, tokens: OAuthTokens, clock: Clock
    ) -> None:
        clock.advance(timedelta(minutes=30))
        fresh = app.refresh(tokens)
        assert fresh.refresh_token != tokens.refresh_token
        assert fresh.expires_at == clock() + timedelta(hours=1)
        with pytest.raises(AuthExpired, match="Invalid Token!"):
            app.refresh(tokens)

    @pytest.mark.parametrize(("status", "error"), [(503, Unavailable), (429, RateLimited)])
    def test_token_endpoint_trouble_is_retryable(
        self,
        app: ZoomApp,
        tokens: OAuthTokens,
        zoom: ZoomEmulator,
        status: int,
        error: type[ProviderError],
    ) -> None:
        zoom.fail_next(1, status, path_contains="/oauth/token")
        with pytest.raises(error):
            app.refresh(tokens)
        assert app.refresh(tokens).refresh_token != tokens.refresh_token


class TestOAuthTokens:
    def test_round_trip_through_the_vault(self, tokens: OAuthTokens) -> None:
        vault = TokenVault(generate_key())
        assert OAuthTokens.from_dict(vault.decrypt(vault.encrypt(tokens.to_dict()))) == tokens

    def test_expiry_must_be_aware_and_is_kept_in_utc(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            OAuthTokens("a", "r", datetime(2030, 1, 1))
        berlin = datetime.fromisoformat("2030-01-01T01:00:00+01:00")
        assert OAuthTokens("a", "r", berlin).expires_at == datetime(2030, 1, 1, tzinfo=UTC)


class TestMeetings:
    def test_me(self, client: ZoomClient) -> None:
        user = client.me()
        assert (user.email, user.first_name, user.last_name, user.display_name) == (
            "ada@example.com",
            "Ada",
            "Lovelace",
            "Ada Lovelace",
        )
        assert user.id

    def test_create_get_update_delete(self, client: ZoomClient, zoom: ZoomEmulator) -> None:
        berlin_start = START.astimezone(ZoneInfo("Europe/Berlin"))
        meeting = client.create_meeting(
            "Intro call", berlin_start, 30, "Europe/Berlin", "Agenda", marker="[rdv:b1]"
        )
        assert meeting.id > 2**32
        assert meeting.join_url.startswith(f"https://zoom.us/j/{meeting.id}?pwd=")
        assert meeting.password
        assert meeting.start == START
        assert meeting.agenda == "[rdv:b1]\nAgenda"
        assert zoom.meetings[meeting.id]["start_time"] == "2030-03-04T09:30:00Z"

        later = START + timedelta(days=1)
        client.update_meeting(meeting.id, start=later, duration_minutes=45)
        moved = client.get_meeting(meeting.id)
        assert (moved.start, moved.duration_minutes, moved.topic) == (later, 45, "Intro call")
        assert moved.join_url == meeting.join_url

        client.delete_meeting(meeting.id)
        assert zoom.meetings == {}
        client.delete_meeting(meeting.id)
        with pytest.raises(RemoteNotFound) as caught:
            client.delete_meeting(meeting.id, missing_ok=False)
        assert caught.value.reason == 3001
        with pytest.raises(RemoteNotFound):
            client.get_meeting(meeting.id)

    def test_long_fields_are_cut_to_zoom_limits(self, client: ZoomClient) -> None:
        meeting = client.create_meeting("t" * 300, START, 30, "UTC", "a" * 3000, marker="[m]")
        assert len(meeting.topic) == 200
        assert len(meeting.agenda) == 2000
        assert meeting.agenda.startswith("[m]\n")

    def test_invalid_arguments_fail_before_calling_zoom(
        self, client: ZoomClient, zoom: ZoomEmulator
    ) -> None:
        before = len(zoom.requests)
        with pytest.raises(ValueError, match="aware"):
            client.create_meeting("t", datetime(2030, 1, 1), 30, "UTC")
        with pytest.raises(ValueError, match="time zone"):
            client.create_meeting("t", START, 30, "Mars/Olympus")
        with pytest.raises(ValueError, match="time zone"):
            client.create_meeting("t", START, 30, "Europe")
        with pytest.raises(ValueError, match="positive"):
            client.create_meeting("t", START, 0, "UTC")
        with pytest.raises(ValueError, match="at least one"):
            client.update_meeting(1)
        assert len(zoom.requests) == before


class TestTokenRefresh:
    def test_no_refresh_while_the_token_is_fresh(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens], clock: Clock
    ) -> None:
        before = token_calls(zoom)
        clock.advance(timedelta(minutes=54))
        client.me()
        assert saved == []
        assert token_calls(zoom) == before

    def test_refreshes_before_expiry_and_hands_over_the_new_tokens_at_once(
        self,
        app: ZoomApp,
        client: ZoomClient,
        tokens: OAuthTokens,
        zoom: ZoomEmulator,
        saved: list[OAuthTokens],
        clock: Clock,
    ) -> None:
        clock.advance(timedelta(minutes=56))
        client.me()
        client.me()
        assert len(saved) == 1
        assert saved[0] == client.tokens
        assert saved[0].refresh_token != tokens.refresh_token
        assert saved[0].expires_at == clock() + timedelta(hours=1)
        with pytest.raises(AuthExpired):
            app.refresh(tokens)

    def test_expired_access_token_is_refreshed_and_the_request_retried(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens]
    ) -> None:
        zoom.expire_access_tokens()
        meeting = client.create_meeting("t", START, 30, "UTC")
        assert len(saved) == 1
        assert list(zoom.meetings) == [meeting.id]

    def test_a_second_401_is_an_auth_error(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens]
    ) -> None:
        zoom.fail_next(2, 401, code=124, message="Invalid access token.", path_contains="/v2/")
        with pytest.raises(AuthExpired):
            client.me()
        assert len(saved) == 1

    def test_revoked_grant_needs_reconnect(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens]
    ) -> None:
        zoom.revoke_grant()
        with pytest.raises(AuthExpired) as caught:
            client.me()
        assert caught.value.status_code == 409
        assert saved == []

    def test_missing_scope_needs_reconnect(self, client: ZoomClient, zoom: ZoomEmulator) -> None:
        zoom.fail_next(1, 400, code=4711, message="Invalid access token, does not contain scopes")
        with pytest.raises(AuthExpired):
            client.me()

    def test_concurrent_calls_refresh_once(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens], clock: Clock
    ) -> None:
        clock.advance(timedelta(minutes=58))
        with ThreadPoolExecutor(max_workers=4) as pool:
            users = list(pool.map(lambda _: client.me(), range(8)))
        assert len(users) == 8
        assert len(saved) == 1


class TestRevoke:
    def test_the_whole_grant_goes(
        self, app: ZoomApp, client: ZoomClient, tokens: OAuthTokens, zoom: ZoomEmulator
    ) -> None:
        client.revoke()
        assert zoom.requests.count(("POST", "/oauth/revoke")) == 1
        with pytest.raises(AuthExpired):
            client.me()
        with pytest.raises(AuthExpired):
            app.refresh(tokens)

    def test_an_expiring_access_token_is_refreshed_first(
        self, client: ZoomClient, zoom: ZoomEmulator, saved: list[OAuthTokens], clock: Clock
    ) -> None:
        clock.advance(timedelta(minutes=56))
        client.revoke()
        assert len(saved) == 1, "the rotated pair is handed over even on the way out"
        with pytest.raises(AuthExpired):
            client.me()

    def test_a_grant_the_user_already_removed_needs_nothing(
        self, client: ZoomClient, zoom: ZoomEmulator, clock: Clock
    ) -> None:
        zoom.revoke_grant()
        clock.advance(timedelta(minutes=56))  # the refresh says invalid_grant: gone already
        client.revoke()
        assert zoom.requests.count(("POST", "/oauth/revoke")) == 0

    @pytest.mark.parametrize(
        ("status", "error"),
        [(500, Unavailable), (503, Unavailable), (429, RateLimited), (400, ProviderError)],
    )
    def test_refusals_are_typed(
        self, client: ZoomClient, zoom: ZoomEmulator, status: int, error: type[ProviderError]
    ) -> None:
        zoom.fail_next(1, status, path_contains="/oauth/revoke")
        with pytest.raises(error):
            client.revoke()
        assert client.me().id, "the grant survived the refusal"

    def test_an_unknown_token_is_refused(self, app: ZoomApp) -> None:
        with pytest.raises(ProviderError, match="Invalid Token"):
            app.revoke("not-a-token")

    def test_unreachable_is_unavailable(self, app: ZoomApp, tokens: OAuthTokens) -> None:
        closed = replace(app, endpoints=replace(app.endpoints, revoke_url="http://127.0.0.1:9/"))
        with pytest.raises(Unavailable):
            closed.revoke(tokens.access_token)


class TestFailures:
    def test_429_honours_retry_after(self, client: ZoomClient, zoom: ZoomEmulator) -> None:
        zoom.fail_next(1, 429, retry_after=7)
        with pytest.raises(RateLimited) as caught:
            client.create_meeting("t", START, 30, "UTC")
        assert caught.value.retry_after == 7.0
        assert not caught.value.daily_limit
        assert caught.value.extra == {"retry_after": 7.0}

    def test_daily_create_limit(self, clock: Clock) -> None:
        with ZoomEmulator(daily_create_limit=1, now=clock) as zoom:
            app = ZoomApp(zoom.client_id, zoom.client_secret, endpoints=zoom.endpoints, now=clock)
            verifier = new_code_verifier()
            tokens = app.exchange_code(consent(app, verifier), REDIRECT, verifier)
            with ZoomClient(app, tokens, lambda _: None) as client:
                client.create_meeting("first", START, 30, "UTC")
                with pytest.raises(RateLimited) as caught:
                    client.create_meeting("second", START, 30, "UTC")
        assert caught.value.daily_limit
        assert caught.value.retry_after == 12 * 3600

    def test_daily_limit_without_headers_waits_for_utc_midnight(
        self, client: ZoomClient, zoom: ZoomEmulator
    ) -> None:
        zoom.fail_next(1, 429, code=429, message=DAILY_LIMIT_MESSAGE.format(limit=100))
        with pytest.raises(RateLimited) as caught:
            client.create_meeting("t", START, 30, "UTC")
        assert caught.value.daily_limit
        assert caught.value.retry_after == 12 * 3600

    @pytest.mark.parametrize("status", [500, 502])
    def test_server_errors_are_unavailable(
        self, client: ZoomClient, zoom: ZoomEmulator, status: int
    ) -> None:
        zoom.fail_next(1, status)
        with pytest.raises(Unavailable) as caught:
            client.get_meeting(1)
        assert caught.value.http_status == status
        assert caught.value.reason == status

    def test_validation_error_names_the_refused_fields(
        self, client: ZoomClient, zoom: ZoomEmulator
    ) -> None:
        zoom.fail_next(1, 400, errors={"duration": "Invalid field.", "timezone": "Missing field."})
        with pytest.raises(ProviderError) as caught:
            client.create_meeting("t", START, 30, "UTC")
        error = caught.value
        assert type(error) is ProviderError, "retrying the same request will not help"
        assert (error.http_status, error.reason) == (400, 300)
        assert error.field_errors == (
            FieldError("duration", "Invalid field."),
            FieldError("timezone", "Missing field."),
        )
        assert error.detail == (
            "Zoom answered 400: Validation Failed."
            " Refused fields: duration (Invalid field); timezone (Missing field)."
        )
        assert error.extra["zoom_errors"] == [
            {"field": "duration", "message": "Invalid field."},
            {"field": "timezone", "message": "Missing field."},
        ]

    def test_a_field_the_emulator_refuses_for_real(self, client: ZoomClient) -> None:
        with pytest.raises(ProviderError) as caught:
            client.find_meeting_by_marker("[rdv:x]", page_size=0)
        assert caught.value.field_errors == (FieldError("page_size", "Invalid field."),)
        assert "page_size" in caught.value.detail

    def test_an_error_without_fields_keeps_zoom_s_message(
        self, client: ZoomClient, zoom: ZoomEmulator
    ) -> None:
        zoom.fail_next(1, 400, code=300, message="Request Body should be a valid JSON object.")
        with pytest.raises(ProviderError) as caught:
            client.create_meeting("t", START, 30, "UTC")
        assert caught.value.field_errors == ()
        assert caught.value.detail == (
            "Zoom answered 400: Request Body should be a valid JSON object."
        )

    def test_connection_refused_is_unavailable(self, app: ZoomApp, tokens: OAuthTokens) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{sock.getsockname()[1]}/v2"
        dead = replace(app, endpoints=replace(app.endpoints, api_base=closed))
        with ZoomClient(dead, tokens, lambda _: None) as client, pytest.raises(Unavailable):
            client.me()

    def test_timeout_is_unavailable_and_the_marker_finds_what_zoom_did(
        self, app: ZoomApp, tokens: OAuthTokens, zoom: ZoomEmulator
    ) -> None:
        impatient = replace(app, timeout=(1, 0.1))
        with ZoomClient(impatient, tokens, lambda _: None) as client:
            zoom.set_latency(0.3)
            with pytest.raises(Unavailable):
                client.create_meeting("t", START, 30, "UTC", "Agenda", marker="[rdv:b7]")
            zoom.set_latency(0)
            found = client.find_meeting_by_marker("[rdv:b7]")
        assert found is not None
        assert list(zoom.meetings) == [found.id]


class TestFindMeetingByMarker:
    def test_pages_through_the_list(self, client: ZoomClient, zoom: ZoomEmulator) -> None:
        created = [
            client.create_meeting(
                f"m{n}", START + timedelta(hours=n), 30, "UTC", "x" * 2000, marker=f"[rdv:{n}]"
            )
            for n in range(5)
        ]
        found = client.find_meeting_by_marker("[rdv:4]", page_size=2)
        assert found == created[4]
        assert found.start_url
        assert zoom.requests.count(("GET", "/v2/users/me/meetings")) == 3

    def test_none_when_absent(self, client: ZoomClient) -> None:
        client.create_meeting("t", START, 30, "UTC", marker="[rdv:1]")
        assert client.find_meeting_by_marker("[rdv:2]", page_size=1) is None

    def test_marker_in_topic(self, client: ZoomClient) -> None:
        meeting = client.create_meeting("Call [rdv:9]", START, 30, "UTC")
        assert client.find_meeting_by_marker("[rdv:9]") == meeting
