"""The Google client: every account's client builds its requests from API resources
shared by the process, and each request still goes out with its own account's token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.accounts.errors import AuthExpired
from integrations.calendars.provider import SyncWindow
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.oauth import GoogleApp
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import read_grant


def test_a_revoked_account_fails_alone_beside_one_sharing_its_resources(
    app: GoogleApp, google: GoogleCalendarEmulator
) -> None:
    kept, revoked = read_grant(app), read_grant(app)
    first = GoogleCalendarProvider(app, kept)
    second = GoogleCalendarProvider(app, revoked)
    google.revoke_refresh_token(revoked.refresh_token)  # its access token goes with it

    now = datetime.now(UTC)
    window = SyncWindow(now - timedelta(days=1), now + timedelta(days=30))
    for _ in range(2):  # interleaved: neither client's token sticks to the shared parts
        assert [c.remote_id for c in first.list_calendars()] == ["ada@example.com"]
        assert first.changes("primary", sync_state=None, window=window).events == []
        with pytest.raises(AuthExpired):
            second.list_calendars()
    assert first.tokens == kept, "the working account never needed a refresh"
