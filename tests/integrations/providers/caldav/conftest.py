"""A real Radicale per test (tests/integrations/providers/caldav/radicale.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integrations.providers.caldav.radicale import Radicale


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[Radicale]:
    with Radicale(tmp_path / "radicale", calendars=("calendar", "work")) as server:
        yield server
