"""Google on the shared OAuth client: the consent asks only to read, and the Google
client library never refreshes by itself: a 401 goes through our refresher."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.accounts.errors import AuthExpired, Revoked
from integrations.accounts.oauth import same_state
from integrations.accounts.tokens import OAuthTokens
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.oauth import READ_SCOPES, GoogleApp
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import REDIRECT_URI, consent_code, read_grant


def test_consent_asks_to_read_offline_with_pkce(app: GoogleApp) -> None:
    consent = app.begin(REDIRECT_URI, READ_SCOPES)
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent.url).query).items()}
    assert query["scope"].split() == list(READ_SCOPES)
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    assert query["code_challenge_method"] == "S256"
    assert "include_granted_scopes" not in query
    assert same_state(consent.pending["state"], query["state"])
    assert consent.pending["verifier"] not in consent.url, "the verifier stays with us"


def test_finish_gives_a_read_only_offline_grant(app: GoogleApp) -> None:
    tokens = read_grant(app)
    assert tokens.refresh_token
    assert sorted(tokens.scope.split()) == sorted(READ_SCOPES)


def test_a_code_redeemed_with_another_verifier_is_refused(app: GoogleApp) -> None:
    consent = app.begin(REDIRECT_URI, READ_SCOPES)
    forged = {**consent.pending, "verifier": app.begin(REDIRECT_URI, ()).pending["verifier"]}
    with pytest.raises(Revoked) as refused:
        app.finish(forged, {"code": consent_code(consent)})
    assert refused.value.reason == "invalid_grant"


def test_a_401_is_refreshed_through_our_refresher_only(
    app: GoogleApp, google: GoogleCalendarEmulator
) -> None:
    tokens = read_grant(app)
    asked: list[OAuthTokens] = []

    def refresher(stale: OAuthTokens) -> OAuthTokens:
        asked.append(stale)
        return app.refresh(stale)

    provider = GoogleCalendarProvider(app, tokens, refresher=refresher)
    google.expire_access_tokens()  # Google drops it early; our expiry says it is fine
    assert [c.remote_id for c in provider.list_calendars()] == ["ada@example.com"]
    assert asked == [tokens]
    assert provider.tokens.access_token != tokens.access_token
    assert provider.tokens.refresh_token == tokens.refresh_token, "Google does not rotate"


def test_a_revoked_grant_is_reconnect_needed(
    app: GoogleApp, google: GoogleCalendarEmulator
) -> None:
    tokens = read_grant(app)
    google.revoke_refresh_token()
    with pytest.raises(AuthExpired) as refused:
        app.refresh(tokens)
    assert isinstance(refused.value, Revoked)
    assert refused.value.http_status == 400
