"""Microsoft's consent and refresh through msal, against the emulator's Entra ID."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.accounts.errors import AuthExpired, BadResponse, Revoked, Unavailable
from integrations.accounts.tokens import OAuthTokens
from integrations.providers.microsoft.oauth import READ_SCOPES, WRITE_SCOPES, MicrosoftApp
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import REDIRECT_URI, consent_tokens


class TestBegin:
    def test_asks_to_read_calendars_with_state_and_pkce(self, app: MicrosoftApp) -> None:
        consent = app.begin(REDIRECT_URI, READ_SCOPES)
        query = parse_qs(urlsplit(consent.url).query)
        asked = set(query["scope"][0].split())
        # Least privilege: read calendars and stay signed in, nothing else.
        assert asked == {"Calendars.Read", "offline_access", "openid", "profile"}
        assert query["state"] == [consent.pending["state"]]
        assert query["code_challenge_method"] == ["S256"]
        assert query["redirect_uri"] == [REDIRECT_URI]
        flow = json.loads(consent.pending["flow"])
        # The verifier stays on our side; only its challenge travels.
        assert flow["code_verifier"] not in consent.url

    def test_two_consents_never_share_state(self, app: MicrosoftApp) -> None:
        first, second = app.begin(REDIRECT_URI, READ_SCOPES), app.begin(REDIRECT_URI, READ_SCOPES)
        assert first.pending["state"] != second.pending["state"]


class TestFinish:
    def test_the_grant_is_msal_cache_with_a_refresh_token(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp
    ) -> None:
        tokens = consent_tokens(ms, app)
        assert tokens.refresh_token == ""  # msal keeps it in the cache
        assert '"RefreshToken"' in tokens.cache
        # What we may do with Graph, without the OpenID scopes of every sign-in.
        assert tokens.scope == "Calendars.Read"
        identity = app.identity(tokens)
        assert identity.username == "ada@contoso.example"
        assert identity.home_account_id.startswith(ms.user_id)

    def test_a_callback_from_another_sign_in_is_refused(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp
    ) -> None:
        ours = app.begin(REDIRECT_URI, READ_SCOPES)
        theirs = app.begin(REDIRECT_URI, READ_SCOPES)
        answer = ms.browser_sign_in(theirs.url)
        with pytest.raises(BadResponse):
            app.finish(ours.pending, answer)

    def test_no_code_is_refused(self, app: MicrosoftApp) -> None:
        consent = app.begin(REDIRECT_URI, READ_SCOPES)
        with pytest.raises(BadResponse):
            app.finish(consent.pending, {"state": consent.pending["state"]})

    def test_write_access_adds_the_read_write_scope(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp
    ) -> None:
        tokens = consent_tokens(ms, app, WRITE_SCOPES)
        assert "Calendars.ReadWrite" in tokens.scope.split()

    def test_token_endpoint_outage_is_unavailable(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp
    ) -> None:
        consent = app.begin(REDIRECT_URI, READ_SCOPES)
        answer = ms.browser_sign_in(consent.url)
        ms.fail_next(1, 503, "temporarily_unavailable", operation="token")
        with pytest.raises(Unavailable):
            app.finish(consent.pending, answer)


class TestRefresh:
    def test_refresh_gives_a_new_access_token_and_cache(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        ms.set_strict_refresh_rotation()
        fresh = app.refresh(tokens)
        assert fresh.access_token != tokens.access_token
        assert fresh.cache != tokens.cache
        assert fresh.expires_at > tokens.expires_at or fresh.expires_at >= tokens.expires_at
        # The rotated refresh token in the new cache works; the old one is spent.
        assert app.refresh(fresh).access_token != fresh.access_token
        with pytest.raises(Revoked):
            app.refresh(tokens)

    def test_a_refresh_costs_one_token_request(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        before = len(ms.requests)
        app.refresh(tokens)
        # msal's discovery answers are cached across applications of one client.
        assert [r.operation for r in ms.requests[before:]] == ["token"]

    def test_a_revoked_grant_is_revoked(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        ms.revoke_refresh_token()
        with pytest.raises(Revoked):
            app.refresh(tokens)

    def test_a_cache_without_an_account_needs_reconnecting(
        self, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        empty = OAuthTokens(tokens.access_token, "", tokens.expires_at, tokens.scope, "{}")
        with pytest.raises(AuthExpired):
            app.refresh(empty)

    def test_token_endpoint_outage_is_unavailable(
        self, ms: MicrosoftGraphEmulator, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        ms.fail_next(1, 503, "temporarily_unavailable", operation="token")
        with pytest.raises(Unavailable):
            app.refresh(tokens)

    def test_the_grant_survives_the_vault_round_trip(
        self, app: MicrosoftApp, tokens: OAuthTokens
    ) -> None:
        again = OAuthTokens.from_dict(tokens.to_dict())
        assert app.refresh(again).access_token != tokens.access_token
