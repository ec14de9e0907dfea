"""Fixtures for the Google Calendar and Microsoft Graph emulators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from googleapiclient.discovery import Resource

from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.microsoft import MicrosoftGraphEmulator


@pytest.fixture
def google_emulator() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator() as emulator:
        yield emulator


@pytest.fixture
def google_service(google_emulator: GoogleCalendarEmulator) -> Resource:
    """A real googleapiclient Calendar service talking to the emulator."""
    return google_emulator.build_service()


@pytest.fixture
def microsoft_emulator() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator() as emulator:
        yield emulator
