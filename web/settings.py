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

from cryptography.fernet import Fernet

DEFAULT_VAR_DIR = Path("var")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "Rendezvous <no-reply@localhost>"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
GOOGLE_REVOKE_URI = "https://oauth2.googleapis.com/revoke"
GOOGLE_API_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
MICROSOFT_AUTHORITY_HOST = "https://login.microsoftonline.com"
MICROSOFT_TENANT = "common"
MICROSOFT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
ZOOM_AUTHORIZE_URL = "https://zoom.us/oauth/authorize"
ZOOM_TOKEN_URL = "https://zoom.us/oauth/token"  # noqa: S105 (a URL)
ZOOM_REVOKE_URL = "https://zoom.us/oauth/revoke"
ZOOM_API_BASE = "https://api.zoom.us/v2"


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
    rate_limit_per_minute: int = 20
    log_level: str = "INFO"
    log_json: bool = True
    google: OAuthClient | None = None
    microsoft: OAuthClient | None = None
    zoom: OAuthClient | None = None
    # Provider endpoints: the real ones unless pointed at an emulator or a proxy.
    google_auth_uri: str = GOOGLE_AUTH_URI
    google_token_uri: str = GOOGLE_TOKEN_URI
    google_revoke_uri: str = GOOGLE_REVOKE_URI
    google_api_endpoint: str = GOOGLE_API_ENDPOINT
    #: Entra ID authority: ``https://login.microsoftonline.com/<tenant>`` (``common``:
    #: work, school and personal accounts; a tenant id: one organisation only).
    microsoft_authority: str = f"{MICROSOFT_AUTHORITY_HOST}/{MICROSOFT_TENANT}"
    microsoft_graph_url: str = MICROSOFT_GRAPH_URL
    #: A CA bundle to trust for Microsoft's endpoints instead of the system's (an
    #: emulator, a TLS-inspecting proxy); None: the system's, proxies from the env.
    microsoft_ca_file: str | None = None
    zoom_authorize_url: str = ZOOM_AUTHORIZE_URL
    zoom_token_url: str = ZOOM_TOKEN_URL
    zoom_revoke_url: str = ZOOM_REVOKE_URL
    zoom_api_base: str = ZOOM_API_BASE
    #: Fernet keys for provider tokens at rest; the first encrypts, all decrypt.
    #: Empty only when Settings is built directly (tests): web derives one then.
    token_encryption_keys: tuple[str, ...] = ()
    calendar_sync_minutes: int = 15
    calendar_stale_minutes: int = 60
    push_notifications: bool = False
    push_debounce_seconds: float = 2.0
    #: How long a claimed outbox job is held without renewal: after a crash, the
    #: longest an e-mail waits before another process sends it.
    outbox_lease_seconds: float = 60.0
    #: With Redis: how often a worker looks for outbox rows no relay job took (an
    #: enqueue lost with Redis, a retry whose time came, a dead worker's lease).
    outbox_sweep_seconds: int = 10
    #: The lease of an account's sync lock in Redis, extended while the sync runs: how
    #: long a killed worker keeps the account from the others.
    account_lock_seconds: float = 60.0
    #: A cron expression (croniter's; a sixth field is seconds) for the polling
    #: rounds of workers; default: every CALENDAR_SYNC_MINUTES, on the clock.
    calendar_sync_cron: str | None = None
    #: Let user-supplied URLs (CalDAV servers, ICS feeds) reach loopback, private and
    #: 100.64/10 addresses: tests, the demo, CalDAV on the operator's own network.
    #: Metadata services and link-local stay refused (integrations/net/guard.py).
    allow_private_urls: bool = False

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
            rate_limit_per_minute=_positive_int(env, "RATE_LIMIT_PER_MINUTE", 20),
            log_level=_choice(env, "LOG_LEVEL", {"DEBUG", "INFO", "WARNING", "ERROR"}, "INFO"),
            log_json=_choice(env, "LOG_FORMAT", {"json", "console"}, "json") == "json",
            google=_oauth(env, "GOOGLE"),
            microsoft=_oauth(env, "MICROSOFT"),
            zoom=_oauth(env, "ZOOM"),
            google_auth_uri=_url(env, "GOOGLE_AUTH_URI", {"http", "https"}) or GOOGLE_AUTH_URI,
            google_token_uri=_url(env, "GOOGLE_TOKEN_URI", {"http", "https"}) or GOOGLE_TOKEN_URI,
            google_revoke_uri=_url(env, "GOOGLE_REVOKE_URI", {"http", "https"})
            or GOOGLE_REVOKE_URI,
            google_api_endpoint=_api_endpoint(env),
            microsoft_authority=_microsoft_authority(env),
            # msal and Graph accept https only.
            microsoft_graph_url=(
                _url(env, "MICROSOFT_GRAPH_URL", {"https"}) or MICROSOFT_GRAPH_URL
            ).rstrip("/"),
            microsoft_ca_file=env.get("MICROSOFT_CA_FILE") or None,
            zoom_authorize_url=_url(env, "ZOOM_AUTHORIZE_URL", {"http", "https"})
            or ZOOM_AUTHORIZE_URL,
            zoom_token_url=_url(env, "ZOOM_TOKEN_URL", {"http", "https"}) or ZOOM_TOKEN_URL,
            zoom_revoke_url=_url(env, "ZOOM_REVOKE_URL", {"http", "https"}) or ZOOM_REVOKE_URL,
            # The client appends paths such as /users/me to it.
            zoom_api_base=(_url(env, "ZOOM_API_BASE", {"http", "https"}) or ZOOM_API_BASE).rstrip(
                "/"
            ),
            token_encryption_keys=_token_keys(env.get("TOKEN_ENCRYPTION_KEY"), var_dir),
            calendar_sync_minutes=_positive_int(env, "CALENDAR_SYNC_MINUTES", 15),
            calendar_stale_minutes=_positive_int(env, "CALENDAR_STALE_MINUTES", 60),
            push_notifications=_choice(env, "PUSH_NOTIFICATIONS", {"on", "off"}, "off") == "on",
            push_debounce_seconds=_seconds(env, "PUSH_DEBOUNCE_SECONDS", 2.0),
            outbox_lease_seconds=_lease_seconds(env, "OUTBOX_LEASE_SECONDS"),
            outbox_sweep_seconds=_positive_int(env, "OUTBOX_SWEEP_SECONDS", 10),
            account_lock_seconds=_lease_seconds(env, "ACCOUNT_LOCK_SECONDS"),
            calendar_sync_cron=env.get("CALENDAR_SYNC_CRON", "").strip() or None,
            allow_private_urls=_choice(env, "ALLOW_PRIVATE_URLS", {"on", "off"}, "off") == "on",
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


def _microsoft_authority(env: Mapping[str, str]) -> str:
    """MICROSOFT_AUTHORITY (a whole https URL) wins; else MICROSOFT_TENANT on
    login.microsoftonline.com."""
    authority = _url(env, "MICROSOFT_AUTHORITY", {"https"})
    if authority:
        return authority.rstrip("/")
    tenant = env.get("MICROSOFT_TENANT", "").strip() or MICROSOFT_TENANT
    if "/" in tenant or not tenant.replace("-", "").replace(".", "").isalnum():
        raise ConfigError("MICROSOFT_TENANT", f"'{tenant}' is not a tenant id or domain")
    return f"{MICROSOFT_AUTHORITY_HOST}/{tenant}"


def _api_endpoint(env: Mapping[str, str]) -> str:
    value = _url(env, "GOOGLE_API_ENDPOINT", {"http", "https"})
    if value is None:
        return GOOGLE_API_ENDPOINT
    # The client joins method paths onto it, and they start below /calendar/v3/.
    if not value.rstrip("/").endswith("/calendar/v3"):
        raise ConfigError("GOOGLE_API_ENDPOINT", f"'{value}' must end with /calendar/v3/")
    return value.rstrip("/") + "/"


def _token_keys(value: str | None, var_dir: Path) -> tuple[str, ...]:
    if value and value.strip():
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError:
                raise ConfigError(
                    "TOKEN_ENCRYPTION_KEY",
                    f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)",
                ) from None
        return keys
    # Embedded default, like the secret key: generated once and kept, because
    # losing it means every calendar account must be connected again.
    key_file = var_dir / "token_key"
    if key_file.exists():
        return (key_file.read_text().strip(),)
    var_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return (key,)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise ConfigError(name, f"'{raw}' must be a number of seconds from 0 to 3600")
    return value


def _lease_seconds(env: Mapping[str, str], name: str) -> float:
    value = _seconds(env, name, 60.0)
    # Renewed every third of it: below a second, one slow query loses the lease.
    if value < 1:
        raise ConfigError(name, f"'{value:g}' must be at least 1 second")
    return value


def _choice(env: Mapping[str, str], name: str, allowed: set[str], default: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    value = raw.upper() if default.isupper() else raw.lower()
    if value not in allowed:
        raise ConfigError(name, f"'{raw}' must be one of {', '.join(sorted(allowed))}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(name, f"'{raw}' must be a whole number of at least 1")
    return int(raw)


def _oauth(env: Mapping[str, str], prefix: str) -> OAuthClient | None:
    client_id = env.get(f"{prefix}_CLIENT_ID", "").strip()
    secret = env.get(f"{prefix}_CLIENT_SECRET", "").strip()
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        missing = f"{prefix}_CLIENT_ID" if not client_id else f"{prefix}_CLIENT_SECRET"
        raise ConfigError(missing, f"is required when the other {prefix}_CLIENT_* is set")
    return OAuthClient(client_id, secret)
