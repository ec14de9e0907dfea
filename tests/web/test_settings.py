from __future__ import annotations

from pathlib import Path

import pytest

from web.settings import ConfigError, Settings


def test_embedded_default_uses_sqlite_under_var_and_keeps_generated_secret(tmp_path: Path) -> None:
    env = {"RENDEZVOUS_VAR_DIR": str(tmp_path / "var")}
    first = Settings.from_env(env)
    second = Settings.from_env(env)
    assert first.database_url == f"sqlite:///{tmp_path / 'var' / 'rendezvous.sqlite3'}"
    assert first.is_sqlite
    assert first.redis_url is None
    assert first.smtp_url is None
    assert len(first.secret_key) >= 32
    assert second.secret_key == first.secret_key, "a restart must keep sessions and links valid"
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_full_configuration_is_read(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "RENDEZVOUS_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://app@db.internal/rendezvous",
            "REDIS_URL": "redis://cache:6379/0",
            "SECRET_KEY": "s" * 40,
            "PUBLIC_URL": "https://book.example.com/",
            "SMTP_URL": "smtp://mail.example.com:25",
            "GOOGLE_CLIENT_ID": "gid",
            "GOOGLE_CLIENT_SECRET": "gsecret",
            "LOG_FORMAT": "console",
        }
    )
    assert settings.database_url == "postgresql://app@db.internal/rendezvous"
    assert not settings.is_sqlite
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.public_url == "https://book.example.com"
    assert settings.google is not None
    assert settings.google.client_id == "gid"
    assert settings.microsoft is None
    assert settings.log_json is False
    assert not (tmp_path / "secret_key").exists(), "an explicit SECRET_KEY writes no key file"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql:///nohost"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL"),
        ({"PUBLIC_URL": "book.example.com"}, "PUBLIC_URL"),
        ({"SMTP_URL": "mail.example.com:25"}, "SMTP_URL"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"ZOOM_CLIENT_ID": "only-the-id"}, "ZOOM_CLIENT_SECRET"),
    ],
)
def test_bad_value_stops_startup_naming_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), **env})
    assert error.value.variable == variable
    assert str(error.value).startswith(f"{variable}: ")


def test_outbox_lease_defaults_to_a_minute_and_refuses_less_than_a_second(tmp_path: Path) -> None:
    base = {"RENDEZVOUS_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(base).outbox_lease_seconds == 60
    assert Settings.from_env({**base, "OUTBOX_LEASE_SECONDS": "2.5"}).outbox_lease_seconds == 2.5
    for bad in ("0.5", "0", "soon", "7200"):
        with pytest.raises(ConfigError) as error:
            Settings.from_env({**base, "OUTBOX_LEASE_SECONDS": bad})
        assert error.value.variable == "OUTBOX_LEASE_SECONDS"


def test_worker_settings_have_defaults_and_name_a_bad_value(tmp_path: Path) -> None:
    base = {"RENDEZVOUS_VAR_DIR": str(tmp_path)}
    defaults = Settings.from_env(base)
    assert (defaults.account_lock_seconds, defaults.outbox_sweep_seconds) == (60, 10)
    assert defaults.calendar_sync_cron is None
    tuned = Settings.from_env(
        {
            **base,
            "ACCOUNT_LOCK_SECONDS": "5",
            "OUTBOX_SWEEP_SECONDS": "3",
            "CALENDAR_SYNC_CRON": "*/5 * * * *",
        }
    )
    assert (tuned.account_lock_seconds, tuned.outbox_sweep_seconds) == (5, 3)
    assert tuned.calendar_sync_cron == "*/5 * * * *"
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**base, "ACCOUNT_LOCK_SECONDS": "0.2"})
    assert error.value.variable == "ACCOUNT_LOCK_SECONDS"
