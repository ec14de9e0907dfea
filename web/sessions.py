"""Server-side sessions for host pages: an opaque id in the cookie, the data in a store.

litestar's server-side backend, with three changes that its stock behaviour lacks:

- **Nothing is stored for visitors who are not signed in.** The stock backend writes an
  empty session (and sets a cookie) on every response, so every anonymous look at a
  booking page would leave a record behind.
- **A write only when the data changed**, not on every page view.
- **A new id at sign-in** (:func:`sign_in`): an id an attacker planted before the
  sign-in (session fixation) is worthless afterwards, and the old one is deleted.

Revocation: signing out deletes the record, so the cookie is dead at once. Changing
the password changes the host's credential stamp, which every session carries and
:func:`web.auth.require_session` compares, so every other session ends too.

The store is Redis when ``REDIS_URL`` is set (shared by every process and machine),
otherwise files under ``var/sessions`` (shared by the processes of one machine: the
embedded default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items
from redis.asyncio import Redis

SESSION_STORE = "sessions"
SESSION_COOKIE = "session"
SESSION_HOST_KEY = "host_id"
SESSION_STAMP_KEY = "stamp"
MAX_AGE_SECONDS = 14 * 24 * 3600

# Keys in the ASGI scope (private to this module and web.csrf).
_LOADED = "rendezvous.session.loaded"  # (id, serialised data) of a session that exists
_ROTATE = "rendezvous.session.rotate"


def session_store(redis: Redis | None, var_dir: Path) -> Store:
    if redis is not None:
        return RedisStore(redis, namespace="rendezvous:session", handle_client_shutdown=False)
    # mkstemp inside FileStore creates each file 0600; keep the folder private too.
    folder = var_dir / "sessions"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return FileStore(folder)


def current_session_id(scope: Any) -> str | None:
    """The id of the session this request carried, if it is a live one."""
    loaded: tuple[str, bytes] | None = scope.get(_LOADED)
    return loaded[0] if loaded else None


def sign_in(connection: ASGIConnection[Any, Any, Any, Any], host_id: int, stamp: str) -> None:
    """Start a host's session, under a new id."""
    connection.set_session({SESSION_HOST_KEY: host_id, SESSION_STAMP_KEY: stamp})
    scope: Any = connection.scope
    scope[_ROTATE] = True


def sign_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """End the session: its record is deleted, so the cookie opens nothing any more."""
    connection.clear_session()


class HostSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        data = await self.get(session_id, store=store)
        if data is None:
            return {}
        scope: Any = connection.scope
        scope[_LOADED] = (session_id, data)
        return self.deserialize_data(data)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        scope: Any = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        loaded: tuple[str, bytes] | None = scope.get(_LOADED)
        cookie_id = connection.cookies.get(self.config.key)

        if scope_session is Empty or not scope_session:
            # Signed out, or never signed in: delete what the cookie pointed at and
            # expire a cookie that points at nothing (any more).
            if loaded is not None:
                await self.delete(loaded[0], store=store)
            if cookie_id:
                headers.add("Set-Cookie", self._cookie("null", expired=True))
            return

        data = self.serialize_data(scope_session, scope)
        if loaded is not None and not scope.get(_ROTATE):
            if data != loaded[1]:
                await self.set(loaded[0], data, store=store)
            return
        if loaded is not None:
            await self.delete(loaded[0], store=store)
        session_id = self.generate_session_id()
        await self.set(session_id, data, store=store)
        headers.add("Set-Cookie", self._cookie(session_id))

    def _cookie(self, value: str, *, expired: bool = False) -> str:
        params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        if expired:
            params.pop("max_age", None)
            params["expires"] = 0
        return Cookie(value=value, key=self.config.key, **params).to_header(header="")


@dataclass
class HostSessionConfig(ServerSideSessionConfig):
    _backend_class = HostSessionBackend

    key: str = SESSION_COOKIE
    max_age: int = MAX_AGE_SECONDS
    store: str = SESSION_STORE
    # Provider push notifications and the token-authenticated API never use a session.
    exclude: str | list[str] | None = "^/(api|webhooks|static)/"
