"""Shared by the calendar tests: an environment on the Google emulator, and a
connected account made through the real consent flow."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from integrations.accounts.oauth import Consent
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.retry import RetryPolicy
from integrations.providers.google.oauth import READ_SCOPES, GoogleApp, GoogleEndpoints
from integrations.vault import TokenVault, generate_key
from tests.emulators.google import GoogleCalendarEmulator
from web.settings import OAuthClient, Settings

REDIRECT_URI = "http://127.0.0.1:8000/calendars/google/callback"


@dataclass
class Sleeps:
    """A recording stand-in for asyncio.sleep: retries wait on nothing."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def google_app(google: GoogleCalendarEmulator, *, timeout: float = 5.0) -> GoogleApp:
    return GoogleApp(
        google.client_id,
        google.client_secret,
        GoogleEndpoints(
            google.authorize_url, google.token_uri, google.api_endpoint, google.revoke_uri
        ),
        timeout=timeout,
    )


def environment(
    emulator: GoogleCalendarEmulator, sleeps: Sleeps | None = None, **overrides: object
) -> CalendarEnvironment:
    values: dict[str, object] = {
        "vault": TokenVault(generate_key()),
        "public_url": "http://127.0.0.1:8000",
        "mail_from": "Rendezvous <no-reply@example.com>",
        "google": google_app(emulator),
        "retry": RetryPolicy(sleep=sleeps or Sleeps()),
    }
    values.update(overrides)
    return CalendarEnvironment(**values)  # type: ignore[arg-type]


def consent_code(consent: Consent) -> str:
    """Click "Allow" on the emulator's consent screen; the code our callback receives."""
    answer = httpx.get(consent.url)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def read_grant(app: GoogleApp) -> OAuthTokens:
    """A read-only grant through the emulator's consent screen: our tokens for its user."""
    consent = app.begin(REDIRECT_URI, READ_SCOPES)
    return app.finish(consent.pending, {"code": consent_code(consent)})


async def connect(env: CalendarEnvironment, host_id: int) -> int:
    consent = service.begin_google_consent(env, REDIRECT_URI)
    return await service.connect_google(
        env, host_id, consent.pending, {"code": consent_code(consent)}
    )


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in the test month (2030-01), UTC."""
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


def app_settings(settings: Settings, google: GoogleCalendarEmulator, **overrides: Any) -> Settings:
    """Test settings with Google pointed at the emulator."""
    return replace(
        settings,
        public_url=overrides.pop("public_url", "http://127.0.0.1:8000"),
        google=OAuthClient(google.client_id, google.client_secret),
        google_auth_uri=google.authorize_url,
        google_token_uri=google.token_uri,
        google_revoke_uri=google.revoke_uri,
        google_api_endpoint=google.api_endpoint,
        push_debounce_seconds=0.0,
        **overrides,
    )


async def connect_in_browser(client: httpx.AsyncClient) -> httpx.Response:
    """A signed-in host clicks "Connect Google Calendar" and allows access: our app
    redirects to the emulator's consent page, which redirects back to our callback."""
    start = await client.get("/calendars/google/connect")
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:  # on Google's own site now
        consent = await browser.get(start.headers["location"])
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    return await client.get(f"{back.path}?{back.query}")
