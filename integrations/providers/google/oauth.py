"""Google's OAuth client: what Google says about itself to the shared client
(:class:`integrations.accounts.oauth.OAuth2App`), and the scopes we ask for.

Google quirks:

- No refresh token comes back unless the authorize request says
  ``access_type=offline``, and a second consent returns one only with
  ``prompt=consent``: both are always sent.
- Refresh tokens do not rotate: a refresh answer has no ``refresh_token``, and the
  one we hold stays valid.
- The client authenticates in the form body, not with HTTP Basic.
- Revoking a token Google no longer knows answers 400 ``invalid_token``: already
  revoked, which is what we wanted.

Least privilege: connecting a calendar for conflicts asks only to read events and
the calendar list (:data:`READ_SCOPES`: what the adapter's reads, watch and
channel stop need, and nothing of settings or sharing). Writing events
(:data:`WRITE_SCOPES`) is asked for when the host turns on one-way or two-way sync,
by incremental consent (``include_granted_scopes``): Google then adds the scope to
the grant the host already gave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar, Literal

from integrations.accounts.oauth import OAuth2App

__all__ = [
    "CALENDAR_EVENTS_SCOPE",
    "READ_SCOPES",
    "WRITE_SCOPES",
    "GoogleApp",
    "GoogleEndpoints",
]

_AUTH = "https://www.googleapis.com/auth/"
CALENDAR_EVENTS_READONLY_SCOPE = _AUTH + "calendar.events.readonly"
CALENDAR_LIST_READONLY_SCOPE = _AUTH + "calendar.calendarlist.readonly"
CALENDAR_EVENTS_SCOPE = _AUTH + "calendar.events"
#: Conflict calendars: list the calendars, read (and watch) their events.
READ_SCOPES = (CALENDAR_EVENTS_READONLY_SCOPE, CALENDAR_LIST_READONLY_SCOPE)
#: One-way and two-way sync: create, change and delete events too.
WRITE_SCOPES = (CALENDAR_EVENTS_SCOPE,)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class GoogleEndpoints:
    """Where Google lives; tests point these at the emulator."""

    auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    token_uri: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL)
    #: Replaces rootUrl + servicePath of the discovery document: keep /calendar/v3/.
    api_endpoint: str = "https://www.googleapis.com/calendar/v3/"
    revoke_uri: str = "https://oauth2.googleapis.com/revoke"


@dataclass(frozen=True, slots=True)
class GoogleApp(OAuth2App):
    """The OAuth client registered in Google Cloud, and how to reach Google.

    Built once by ``web`` from settings and handed down. :meth:`revoke` takes the
    refresh token: it takes the grant's access tokens with it."""

    provider_name: ClassVar[str] = "Google"
    client_auth: ClassVar[Literal["basic", "body"]] = "body"
    authorize_params: ClassVar[dict[str, str]] = {"access_type": "offline", "prompt": "consent"}
    already_revoked_error: ClassVar[str | None] = "invalid_token"
    default_scopes: ClassVar[tuple[str, ...]] = READ_SCOPES

    client_id: str
    client_secret: str = field(repr=False)
    endpoints: GoogleEndpoints = field(default_factory=GoogleEndpoints)
    #: Seconds for every HTTP request to Google (connect and each read).
    timeout: float = 20.0
    now: Callable[[], datetime] = utc_now

    def urls(self) -> tuple[str, str, str]:
        return self.endpoints.auth_uri, self.endpoints.token_uri, self.endpoints.revoke_uri
