"""ASGI entry point for servers: ``uvicorn web.main:app``."""

from web.app import create_app
from web.heap import freeze_startup_heap
from web.settings import Settings

app = create_app(Settings.from_env())
freeze_startup_heap()
