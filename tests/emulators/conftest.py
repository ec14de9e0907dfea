"""Fixtures for the Google Calendar emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from googleapiclient.discovery import Resource

from tests.emulators.google import GoogleCalendarEmulator


@pytest.fixture
def google_emulator() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator() as emulator:
        yield emulator


@pytest.fixture
def google_service(google_emulator: GoogleCalendarEmulator) -> Resource:
    """A real googleapiclient Calendar service talking to the emulator."""
    return google_emulator.build_service()
