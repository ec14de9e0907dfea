"""Settings of the calendar integration: provider endpoints, token key, sync timing."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from web.settings import GOOGLE_API_ENDPOINT, GOOGLE_AUTH_URI, ConfigError, Settings


def test_defaults_are_googles_own_endpoints_and_a_kept_generated_key(tmp_path: Path) -> None:
    env = {"RENDEZVOUS_VAR_DIR": str(tmp_path / "var")}
    first, second = Settings.from_env(env), Settings.from_env(env)
    assert first.google_auth_uri == GOOGLE_AUTH_URI
    assert first.google_api_endpoint == GOOGLE_API_ENDPOINT
    assert first.push_notifications is False
    assert (first.calendar_sync_minutes, first.calendar_stale_minutes) == (15, 60)
    assert first.push_debounce_seconds == 2.0
    (key,) = first.token_encryption_keys
    Fernet(key)
    assert second.token_encryption_keys == (key,), "a restart must still read stored tokens"
    assert (tmp_path / "var" / "token_key").stat().st_mode & 0o077 == 0


def test_overrides_are_read(tmp_path: Path) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            "RENDEZVOUS_VAR_DIR": str(tmp_path),
            "GOOGLE_AUTH_URI": "http://127.0.0.1:9000/o/oauth2/v2/auth",
            "GOOGLE_TOKEN_URI": "http://127.0.0.1:9000/token",
            "GOOGLE_REVOKE_URI": "http://127.0.0.1:9000/revoke",
            "GOOGLE_API_ENDPOINT": "http://127.0.0.1:9000/calendar/v3",
            "TOKEN_ENCRYPTION_KEY": f"{new}, {old}",
            "CALENDAR_SYNC_MINUTES": "5",
            "CALENDAR_STALE_MINUTES": "30",
            "PUSH_NOTIFICATIONS": "ON",
            "PUSH_DEBOUNCE_SECONDS": "0",
        }
    )
    assert settings.google_token_uri == "http://127.0.0.1:9000/token"
    assert settings.google_revoke_uri == "http://127.0.0.1:9000/revoke"
    assert settings.google_api_endpoint == "http://127.0.0.1:9000/calendar/v3/"
    assert settings.token_encryption_keys == (new, old)
    assert (settings.calendar_sync_minutes, settings.calendar_stale_minutes) == (5, 30)
    assert settings.push_notifications is True
    assert settings.push_debounce_seconds == 0.0
    assert not (tmp_path / "token_key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GOOGLE_AUTH_URI", "ftp://accounts.google.com"),
        ("GOOGLE_TOKEN_URI", "not a url"),
        ("GOOGLE_REVOKE_URI", "javascript:alert(1)"),
        ("GOOGLE_API_ENDPOINT", "https://www.googleapis.com/"),
        ("TOKEN_ENCRYPTION_KEY", "too-short"),
        ("CALENDAR_SYNC_MINUTES", "0"),
        ("CALENDAR_STALE_MINUTES", "soon"),
        ("PUSH_NOTIFICATIONS", "yes"),
        ("PUSH_DEBOUNCE_SECONDS", "-1"),
        ("PUSH_DEBOUNCE_SECONDS", "nan"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), variable: value})
    assert caught.value.variable == variable
    assert variable in str(caught.value)


def test_microsoft_defaults_to_the_common_authority_and_graph(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "RENDEZVOUS_VAR_DIR": str(tmp_path),
            "MICROSOFT_CLIENT_ID": "app-id",
            "MICROSOFT_CLIENT_SECRET": "s3cret",
        }
    )
    assert settings.microsoft is not None
    assert settings.microsoft.client_id == "app-id"
    assert settings.microsoft_authority == "https://login.microsoftonline.com/common"
    assert settings.microsoft_graph_url == "https://graph.microsoft.com/v1.0"
    assert settings.microsoft_ca_file is None


def test_microsoft_tenant_authority_and_ca_file_are_read(tmp_path: Path) -> None:
    tenant = Settings.from_env(
        {"RENDEZVOUS_VAR_DIR": str(tmp_path), "MICROSOFT_TENANT": "contoso.onmicrosoft.com"}
    )
    assert tenant.microsoft_authority == "https://login.microsoftonline.com/contoso.onmicrosoft.com"
    emulated = Settings.from_env(
        {
            "RENDEZVOUS_VAR_DIR": str(tmp_path),
            "MICROSOFT_AUTHORITY": "https://127.0.0.1:9443/tenant-id/",
            "MICROSOFT_GRAPH_URL": "https://127.0.0.1:9443/v1.0/",
            "MICROSOFT_CA_FILE": "/etc/rendezvous/entra-ca.pem",
        }
    )
    assert emulated.microsoft_authority == "https://127.0.0.1:9443/tenant-id"
    assert emulated.microsoft_graph_url == "https://127.0.0.1:9443/v1.0"
    assert emulated.microsoft_ca_file == "/etc/rendezvous/entra-ca.pem"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        # msal refuses anything but https authorities.
        ("MICROSOFT_AUTHORITY", "http://login.microsoftonline.com/common"),
        ("MICROSOFT_GRAPH_URL", "http://graph.microsoft.com/v1.0"),
        ("MICROSOFT_TENANT", "../evil"),
    ],
)
def test_bad_microsoft_values_name_their_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), variable: value})
    assert caught.value.variable == variable
