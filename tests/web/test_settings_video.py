"""Settings of the Zoom integration: the app's credentials and Zoom's endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.app import booking_environment, video_environment
from web.settings import ConfigError, OAuthClient, Settings


def test_defaults_are_zooms_own_endpoints_and_no_zoom_app(tmp_path: Path) -> None:
    settings = Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path)})
    assert settings.zoom is None
    assert (settings.zoom_authorize_url, settings.zoom_token_url, settings.zoom_api_base) == (
        "https://zoom.us/oauth/authorize",
        "https://zoom.us/oauth/token",
        "https://api.zoom.us/v2",
    )


def test_overrides_reach_the_zoom_app(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "RENDEZVOUS_VAR_DIR": str(tmp_path),
            "ZOOM_CLIENT_ID": "id",
            "ZOOM_CLIENT_SECRET": "secret",
            "ZOOM_AUTHORIZE_URL": "http://127.0.0.1:9000/oauth/authorize",
            "ZOOM_TOKEN_URL": "http://127.0.0.1:9000/oauth/token",
            "ZOOM_REVOKE_URL": "http://127.0.0.1:9000/oauth/revoke",
            "ZOOM_API_BASE": "http://127.0.0.1:9000/v2/",
        }
    )
    assert settings.zoom == OAuthClient("id", "secret")
    assert settings.zoom_api_base == "http://127.0.0.1:9000/v2", "paths are appended to it"

    video = video_environment(settings, booking_environment(settings))
    assert video.zoom is not None
    assert video.zoom.endpoints.token_url == "http://127.0.0.1:9000/oauth/token"
    assert video.zoom.endpoints.revoke_url == "http://127.0.0.1:9000/oauth/revoke"
    assert video.zoom_redirect_uri == "http://127.0.0.1:8000/dashboard/video/zoom/callback"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ZOOM_AUTHORIZE_URL", "zoom.us/oauth/authorize"),
        ("ZOOM_TOKEN_URL", "ftp://zoom.us/oauth/token"),
        ("ZOOM_REVOKE_URL", "zoom.us/oauth/revoke"),
        ("ZOOM_API_BASE", "https://"),
    ],
)
def test_bad_endpoints_name_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), variable: value})
    assert caught.value.variable == variable


def test_half_configured_zoom_app_names_the_missing_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), "ZOOM_CLIENT_ID": "id"})
    assert caught.value.variable == "ZOOM_CLIENT_SECRET"
