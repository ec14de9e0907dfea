"""The Zoom emulator answers like Zoom, checked through plain HTTP."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.emulators.zoom import ZoomEmulator

REDIRECT = ZoomEmulator.REDIRECT_URI


@pytest.fixture
def zoom() -> Iterator[ZoomEmulator]:
    with ZoomEmulator() as emulator:
        yield emulator


def authorize(zoom: ZoomEmulator, **overrides: str) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": zoom.client_id,
        "redirect_uri": REDIRECT,
        "state": "s-123",
        **overrides,
    }
    return requests.get(zoom.authorize_url, params=params, allow_redirects=False, timeout=5)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token_request(
    zoom: ZoomEmulator, data: dict[str, str], auth: tuple[str, str] | None = None
) -> requests.Response:
    return requests.post(
        zoom.token_url,
        data=data,
        auth=auth or (zoom.client_id, zoom.client_secret),
        timeout=5,
    )


def grant(zoom: ZoomEmulator) -> dict[str, Any]:
    code = redirect_params(authorize(zoom))["code"]
    response = token_request(
        zoom, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def api(zoom: ZoomEmulator, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        zoom.api_base + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
        **kwargs,
    )


def meeting_body(**overrides: Any) -> dict[str, Any]:
    return {
        "topic": "Intro call",
        "type": 2,
        "start_time": "2099-03-01T09:30:00Z",
        "duration": 30,
        "timezone": "Europe/Berlin",
        "agenda": "Talk about things",
        **overrides,
    }


@pytest.fixture
def token(zoom: ZoomEmulator) -> str:
    return str(grant(zoom)["access_token"])


class TestAuthorize:
    def test_consent_redirects_back_with_code_and_state(self, zoom: ZoomEmulator) -> None:
        params = redirect_params(authorize(zoom))
        assert params["state"] == "s-123"
        assert params["code"]

    def test_declined_consent_redirects_with_access_denied(self, zoom: ZoomEmulator) -> None:
        zoom.deny_consent()
        assert redirect_params(authorize(zoom)) == {"error": "access_denied", "state": "s-123"}

    def test_unknown_client_is_refused_without_redirect(self, zoom: ZoomEmulator) -> None:
        response = authorize(zoom, client_id="nope")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client"

    def test_unregistered_redirect_uri_is_never_redirected_to(self, zoom: ZoomEmulator) -> None:
        response = authorize(zoom, redirect_uri="https://evil.test/cb")
        assert response.status_code == 400
        assert "Location" not in response.headers

    def test_state_and_response_type_are_required(self, zoom: ZoomEmulator) -> None:
        assert redirect_params(authorize(zoom, state=""))["error"] == "invalid_request"
        assert redirect_params(authorize(zoom, response_type="token"))["error"] == (
            "unsupported_response_type"
        )


class TestToken:
    def test_code_exchange_returns_a_bearer_grant(self, zoom: ZoomEmulator) -> None:
        body = grant(zoom)
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600
        assert body["scope"] == "meeting:read meeting:write user:read"
        assert body["access_token"] != body["refresh_token"]

    def test_bad_client_secret_is_invalid_client(self, zoom: ZoomEmulator) -> None:
        code = redirect_params(authorize(zoom))["code"]
        response = token_request(
            zoom,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=(zoom.client_id, "wrong"),
        )
        assert response.status_code == 401
        assert response.json() == {
            "reason": "Invalid client_id or client_secret",
            "error": "invalid_client",
        }

    def test_a_code_works_once(self, zoom: ZoomEmulator) -> None:
        code = redirect_params(authorize(zoom))["code"]
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        assert token_request(zoom, data).status_code == 200
        second = token_request(zoom, data)
        assert second.status_code == 400
        assert second.json()["error"] == "invalid_grant"

    def test_redirect_uri_must_match_the_authorize_request(self, zoom: ZoomEmulator) -> None:
        code = redirect_params(authorize(zoom))["code"]
        response = token_request(
            zoom,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT + "x"},
        )
        assert response.json()["error"] == "invalid_grant"

    def test_pkce_s256_verifier_is_checked(self, zoom: ZoomEmulator) -> None:
        verifier = "v" * 50
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        for sent, expected in (("w" * 50, 400), (verifier, 200)):
            code = redirect_params(
                authorize(zoom, code_challenge=challenge, code_challenge_method="S256")
            )["code"]
            response = token_request(
                zoom,
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": sent,
                },
            )
            assert response.status_code == expected, response.text

    def test_refresh_rotates_and_the_old_refresh_token_dies(self, zoom: ZoomEmulator) -> None:
        first = grant(zoom)
        data = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        second = token_request(zoom, data).json()
        assert second["refresh_token"] != first["refresh_token"]
        again = token_request(zoom, data)
        assert again.status_code == 400
        assert again.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}
        third = token_request(
            zoom, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
        )
        assert third.status_code == 200

    def test_revoked_grant_kills_refresh_and_access_tokens(self, zoom: ZoomEmulator) -> None:
        body = grant(zoom)
        zoom.revoke_grant()
        refresh = token_request(
            zoom, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
        )
        assert refresh.json()["error"] == "invalid_grant"
        me = api(zoom, "GET", "/users/me", body["access_token"])
        assert me.status_code == 401
        assert me.json() == {"code": 124, "message": "Invalid access token."}

    def test_unknown_grant_type(self, zoom: ZoomEmulator) -> None:
        response = token_request(zoom, {"grant_type": "password"})
        assert response.json()["error"] == "unsupported_grant_type"


class TestApiAuth:
    def test_missing_or_unknown_bearer_is_code_124(self, zoom: ZoomEmulator) -> None:
        response = requests.get(zoom.api_base + "/users/me", timeout=5)
        assert response.status_code == 401
        assert response.json()["code"] == 124

    def test_expired_access_token(self, zoom: ZoomEmulator, token: str) -> None:
        zoom.expire_access_tokens()
        response = api(zoom, "GET", "/users/me", token)
        assert response.status_code == 401
        assert response.json() == {"code": 124, "message": "Access token is expired."}

    def test_access_token_expires_with_time(self) -> None:
        clock = [datetime.now(UTC)]
        with ZoomEmulator(now=lambda: clock[0]) as zoom:
            token = str(grant(zoom)["access_token"])
            assert api(zoom, "GET", "/users/me", token).status_code == 200
            clock[0] += timedelta(seconds=3600)
            response = api(zoom, "GET", "/users/me", token)
            assert response.json() == {"code": 124, "message": "Access token is expired."}

    def test_me(self, zoom: ZoomEmulator, token: str) -> None:
        body = api(zoom, "GET", "/users/me", token).json()
        assert body["email"] == "ada@example.com"
        assert body["display_name"] == "Ada Lovelace"


class TestMeetings:
    def test_create_answers_201_with_an_int64_id_and_links(
        self, zoom: ZoomEmulator, token: str
    ) -> None:
        response = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body())
        assert response.status_code == 201
        meeting = response.json()
        assert meeting["id"] > 2**32
        assert meeting["join_url"].startswith(f"https://zoom.us/j/{meeting['id']}?pwd=")
        assert meeting["start_url"].startswith(f"https://zoom.us/s/{meeting['id']}")
        assert meeting["start_time"] == "2099-03-01T09:30:00Z"
        assert meeting["timezone"] == "Europe/Berlin"
        assert meeting["password"]
        assert meeting["settings"]["waiting_room"] is True
        assert zoom.meetings[meeting["id"]]["topic"] == "Intro call"

    def test_start_time_without_z_is_local_to_the_timezone(
        self, zoom: ZoomEmulator, token: str
    ) -> None:
        body = meeting_body(start_time="2099-07-01T09:30:00")
        meeting = api(zoom, "POST", "/users/me/meetings", token, json=body).json()
        assert meeting["start_time"] == "2099-07-01T07:30:00Z"

    @pytest.mark.parametrize(
        ("override", "field"),
        [
            ({"start_time": "2099-03-01 09:30"}, "start_time"),
            ({"start_time": "2099-03-01T09:30:00+02:00"}, "start_time"),
            ({"type": 3}, "type"),
            ({"duration": 0}, "duration"),
            ({"duration": "30m"}, "duration"),
            ({"topic": "x" * 201}, "topic"),
            ({"agenda": "x" * 2001}, "agenda"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"timezone": "Europe"}, "timezone"),
            ({"settings": "loud"}, "settings"),
        ],
    )
    def test_invalid_fields_are_named_as_zoom_documents(
        self, zoom: ZoomEmulator, token: str, override: dict[str, Any], field: str
    ) -> None:
        response = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body(**override))
        assert response.status_code == 400
        # developers.zoom.us/docs/api/errors, "Error response when sending invalid fields".
        assert response.json() == {
            "code": 300,
            "message": "Validation Failed.",
            "errors": [{"field": field, "message": "Invalid field."}],
        }
        assert zoom.meetings == {}

    def test_every_refused_field_is_listed_and_nothing_changes(
        self, zoom: ZoomEmulator, token: str
    ) -> None:
        created = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body()).json()
        path = f"/meetings/{created['id']}"

        response = api(zoom, "PATCH", path, token, json={"duration": -5, "topic": None})

        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "topic", "message": "Invalid field."},
            {"field": "duration", "message": "Invalid field."},
        ]
        assert api(zoom, "GET", path, token).json()["duration"] == created["duration"]

    def test_a_missing_start_time_is_a_missing_field(self, zoom: ZoomEmulator, token: str) -> None:
        body = meeting_body()
        del body["start_time"]
        response = api(zoom, "POST", "/users/me/meetings", token, json=body)
        assert response.json()["errors"] == [{"field": "start_time", "message": "Missing field."}]

    def test_list_parameters_are_validated_too(self, zoom: ZoomEmulator, token: str) -> None:
        response = api(
            zoom, "GET", "/users/me/meetings", token, params={"type": "past", "page_size": "0"}
        )
        assert response.json()["errors"] == [
            {"field": "type", "message": "Invalid field."},
            {"field": "page_size", "message": "Invalid field."},
        ]

    def test_an_injected_validation_failure(self, zoom: ZoomEmulator, token: str) -> None:
        zoom.fail_next(1, 400, errors={"timezone": "Invalid field."})
        response = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body())
        assert (response.status_code, response.json()) == (
            400,
            {
                "code": 300,
                "message": "Validation Failed.",
                "errors": [{"field": "timezone", "message": "Invalid field."}],
            },
        )

    def test_get_patch_delete(self, zoom: ZoomEmulator, token: str) -> None:
        created = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body()).json()
        path = f"/meetings/{created['id']}"
        patch = api(zoom, "PATCH", path, token, json={"start_time": "2099-03-02T10:00:00Z"})
        assert patch.status_code == 204
        assert patch.content == b""
        fetched = api(zoom, "GET", path, token).json()
        assert fetched["start_time"] == "2099-03-02T10:00:00Z"
        assert fetched["join_url"] == created["join_url"]
        delete = api(zoom, "DELETE", path, token)
        assert delete.status_code == 204
        missing = api(zoom, "DELETE", path, token)
        assert missing.status_code == 404
        assert missing.json() == {
            "code": 3001,
            "message": f"Meeting does not exist: {created['id']}.",
        }
        assert zoom.meetings == {}

    def test_list_pages_and_filters_upcoming(self, zoom: ZoomEmulator, token: str) -> None:
        past = meeting_body(topic="past", start_time="2001-01-01T00:00:00Z")
        api(zoom, "POST", "/users/me/meetings", token, json=past)
        for n in range(4):
            body = meeting_body(topic=f"m{n}", agenda="a" * 300)
            api(zoom, "POST", "/users/me/meetings", token, json=body)

        def topics(kind: str) -> list[str]:
            seen: list[str] = []
            params: dict[str, Any] = {"type": kind, "page_size": 2}
            while True:
                page = api(zoom, "GET", "/users/me/meetings", token, params=params).json()
                assert len(page["meetings"]) <= 2
                assert all(len(m["agenda"]) <= 250 for m in page["meetings"])
                seen += [m["topic"] for m in page["meetings"]]
                if not page["next_page_token"]:
                    return seen
                params = {"next_page_token": page["next_page_token"], "page_size": 2}

        assert topics("scheduled") == ["past", "m0", "m1", "m2", "m3"]
        assert topics("upcoming") == ["m0", "m1", "m2", "m3"]

    def test_daily_create_and_update_limit(self) -> None:
        with ZoomEmulator(daily_create_limit=2) as zoom:
            own = str(grant(zoom)["access_token"])
            first = api(zoom, "POST", "/users/me/meetings", own, json=meeting_body()).json()
            patch = api(zoom, "PATCH", f"/meetings/{first['id']}", own, json={"topic": "b"})
            assert patch.status_code == 204
            over = api(zoom, "POST", "/users/me/meetings", own, json=meeting_body())
            assert over.status_code == 429
            assert over.json()["message"].startswith(
                "You have exceeded the daily rate limit (2) of Meeting Create/Update API"
            )
            assert over.headers["X-RateLimit-Type"] == "Daily-limit"
            assert over.headers["Retry-After"].endswith("T00:00:00Z")
            assert len(zoom.meetings) == 1


class TestFaults:
    def test_fail_next_then_recover(self, zoom: ZoomEmulator, token: str) -> None:
        zoom.fail_next(2, 503)
        for _ in range(2):
            response = api(zoom, "GET", "/users/me", token)
            assert response.status_code == 503
            assert response.json() == {"code": 503, "message": "Service Unavailable."}
        assert api(zoom, "GET", "/users/me", token).status_code == 200

    def test_fault_filtered_by_path_with_retry_after(self, zoom: ZoomEmulator, token: str) -> None:
        zoom.fail_next(1, 429, retry_after=7, path_contains="/meetings")
        assert api(zoom, "GET", "/users/me", token).status_code == 200
        response = api(zoom, "POST", "/users/me/meetings", token, json=meeting_body())
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert zoom.meetings == {}

    def test_latency_times_out_a_client_after_the_work_is_done(
        self, zoom: ZoomEmulator, token: str
    ) -> None:
        zoom.set_latency(0.3)
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                zoom.api_base + "/users/me/meetings",
                json=meeting_body(),
                headers={"Authorization": f"Bearer {token}"},
                timeout=(1, 0.1),
            )
        assert len(zoom.meetings) == 1

    def test_request_log(self, zoom: ZoomEmulator, token: str) -> None:
        api(zoom, "GET", "/users/me", token, params={"x": "1"})
        assert zoom.requests[-1] == ("GET", "/v2/users/me")
        assert ("POST", "/oauth/token") in zoom.requests
