"""One linked-calendar harness per provider; every contract test runs against each.

``harness_<provider>.py`` defines ``linked_harness(tmp_path)``, a context manager that
starts the provider (an emulator, or a real Radicale server), makes the host's linked
calendar and a second calendar of the same account, and yields a ``LinkedHarness``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integrations.sync.linked.harness import LinkedHarness

PROVIDERS = ("google", "microsoft", "caldav")


@pytest.fixture(params=PROVIDERS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LinkedHarness]:
    module = importlib.import_module(f"tests.integrations.sync.linked.harness_{request.param}")
    with module.linked_harness(tmp_path) as made:
        yield made
