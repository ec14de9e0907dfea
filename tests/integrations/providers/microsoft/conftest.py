from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.accounts.tokens import OAuthTokens
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.oauth import MicrosoftApp
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import consent_tokens, microsoft_app


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email="ada@contoso.example") as emulator:
        yield emulator


@pytest.fixture
def app(ms: MicrosoftGraphEmulator) -> MicrosoftApp:
    return microsoft_app(ms, timeout=2.0)


@pytest.fixture
def tokens(ms: MicrosoftGraphEmulator, app: MicrosoftApp) -> OAuthTokens:
    return consent_tokens(ms, app)


@pytest.fixture
def provider(app: MicrosoftApp, tokens: OAuthTokens) -> MicrosoftCalendarProvider:
    return MicrosoftCalendarProvider(app, tokens)
