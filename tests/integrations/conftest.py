"""Fixtures for integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.integrations.smtp import HOST, Handler
from tests.servers import free_port

StartServer = Callable[..., int]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start an aiosmtpd Controller on a free port; every one is stopped afterwards."""
    controllers: list[Controller] = []

    def start(handler: Handler, **options: Any) -> int:
        controller = Controller(handler, hostname=HOST, port=free_port(), **options)
        controller.start()
        controllers.append(controller)
        return int(controller.port)

    yield start
    for controller in controllers:
        controller.stop()
