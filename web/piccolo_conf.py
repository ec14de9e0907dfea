"""piccolo_conf for the piccolo CLI and migration machinery.

``DB`` is replaced at runtime by :func:`web.database.bind`; at import it is built
from the environment so ``piccolo migrations ...`` works from a shell too.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

APP_REGISTRY = AppRegistry(
    apps=["booking.piccolo_app", "integrations.piccolo_app", "integrations.video.piccolo_app"]
)


def _engine_from_env() -> Engine[Any]:
    # Imported here: web.database imports this module.
    from web.database import build_engine
    from web.settings import database_url_from_env

    return build_engine(database_url_from_env())


DB: Engine[Any] = _engine_from_env()
