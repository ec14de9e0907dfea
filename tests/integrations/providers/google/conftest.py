"""One Google emulator per test, and our OAuth app pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.providers.google.oauth import GoogleApp
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import google_app


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as fake:
        yield fake


@pytest.fixture
def app(google: GoogleCalendarEmulator) -> GoogleApp:
    return google_app(google)
