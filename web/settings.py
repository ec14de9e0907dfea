"""The one settings object, built from the environment. Nothing below ``web`` reads it.

A bad value stops startup with :class:`ConfigError`, whose message names the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_VAR_DIR = Path("var")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "Rendezvous <no-reply@localhost>"


class ConfigError(Exception):
    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str
    var_dir: Path
    redis_url: str | None = None
    public_url: str = DEFAULT_PUBLIC_URL
    smtp_url: str | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    log_level: str = "INFO"
    log_json: bool = True
    google: OAuthClient | None = None
    microsoft: OAuthClient | None = None
    zoom: OAuthClient | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = Path(env.get("RENDEZVOUS_VAR_DIR") or DEFAULT_VAR_DIR)
        database_url = _database_url(env.get("DATABASE_URL"), var_dir)
        return cls(
            database_url=database_url,
            secret_key=_secret_key(env.get("SECRET_KEY"), var_dir),
            var_dir=var_dir,
            redis_url=_url(env, "REDIS_URL", {"redis", "rediss", "unix"}),
            public_url=(_url(env, "PUBLIC_URL", {"http", "https"}) or DEFAULT_PUBLIC_URL).rstrip(
                "/"
            ),
            smtp_url=_url(env, "SMTP_URL", {"smtp", "smtps", "smtp+starttls"}),
            mail_from=env.get("MAIL_FROM") or DEFAULT_MAIL_FROM,
            log_level=_choice(env, "LOG_LEVEL", {"DEBUG", "INFO", "WARNING", "ERROR"}, "INFO"),
            log_json=_choice(env, "LOG_FORMAT", {"json", "console"}, "json") == "json",
            google=_oauth(env, "GOOGLE"),
            microsoft=_oauth(env, "MICROSOFT"),
            zoom=_oauth(env, "ZOOM"),
        )


def database_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """Just the database URL, without the side effects of :meth:`Settings.from_env`."""
    env = os.environ if environ is None else environ
    return _database_url(
        env.get("DATABASE_URL"), Path(env.get("RENDEZVOUS_VAR_DIR") or DEFAULT_VAR_DIR)
    )


def _url(env: Mapping[str, str], name: str, schemes: set[str]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in sorted(schemes))
        raise ConfigError(name, f"'{value}' must start with one of {allowed}")
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError(name, f"'{value}' has no host name")
    return value


def _database_url(value: str | None, var_dir: Path) -> str:
    if not value:
        return f"sqlite:///{var_dir / 'rendezvous.sqlite3'}"
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise ConfigError("DATABASE_URL", f"'{value}' names no file (sqlite:///path/to/db)")
        return value
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.hostname and "host=" not in parts.query:
            raise ConfigError("DATABASE_URL", f"'{value}' has no host name")
        return value
    raise ConfigError(
        "DATABASE_URL", f"'{value}' must be sqlite:///PATH or postgresql://USER@HOST/DB"
    )


def _secret_key(value: str | None, var_dir: Path) -> str:
    if value:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY", "must be at least 32 characters long")
        return value
    # Embedded default: generate once and keep it, so sessions and signed links
    # survive a restart.
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


def _choice(env: Mapping[str, str], name: str, allowed: set[str], default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = raw.upper() if default.isupper() else raw.lower()
    if value not in allowed:
        raise ConfigError(name, f"'{raw}' must be one of {', '.join(sorted(allowed))}")
    return value


def _oauth(env: Mapping[str, str], prefix: str) -> OAuthClient | None:
    client_id = env.get(f"{prefix}_CLIENT_ID", "").strip()
    secret = env.get(f"{prefix}_CLIENT_SECRET", "").strip()
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = f"{prefix}_CLIENT_ID" if not client_id else f"{prefix}_CLIENT_SECRET"
        raise ConfigError(missing, f"is required when the other {prefix}_CLIENT_* is set")
    return OAuthClient(client_id, secret)
