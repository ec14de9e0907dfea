"""CSRF protection for forms, with the token bound to the session it was issued to.

litestar's CSRF middleware uses a double-submit cookie that is independent of the
session: a token taken from any anonymous page (``/login``) was accepted together with
a victim's session cookie. Here the token is an HMAC of what identifies the browser:

- the session id, once a host is signed in (a new id at sign-in, so tokens issued
  before it are void, and every token dies with its session);
- otherwise a random anonymous cookie, for the forms strangers use (sign-in, cancelling
  a booking), so a token is still bound to one browser.

The expected token is recomputed on each unsafe request from what that request
carries; a token from another session or from the anonymous cookie does not match.
The API (bearer tokens, which browsers never attach on their own) and provider
webhooks (which prove themselves with channel tokens) are not subject to it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.base import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from web.sessions import current_session_id

CSRF_FIELD = "_csrf_token"
CSRF_HEADER = "x-csrftoken"
ANONYMOUS_COOKIE = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
EXEMPT = re.compile(r"^/(api|webhooks|static)/")


class SessionBoundCsrf:
    def __init__(self, app: ASGIApp, *, key: bytes, secure: bool) -> None:
        self.app = app
        self.key = key
        self.secure = secure

    def token_for(self, binding: str) -> str:
        return hmac.new(self.key, binding.encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or EXEMPT.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        session_id = current_session_id(scope)
        anonymous = request.cookies.get(ANONYMOUS_COOKIE) or ""
        new_anonymous = None
        if session_id is not None:
            binding = f"session:{session_id}"
        else:
            if not re.fullmatch(r"[0-9a-f]{64}", anonymous):
                new_anonymous = anonymous = secrets.token_hex(32)
            binding = f"anonymous:{anonymous}"
        expected = self.token_for(binding)

        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER)
            content_type, _ = request.content_type
            if not sent and content_type in {
                RequestEncodingType.URL_ENCODED,
                RequestEncodingType.MULTI_PART,
            }:
                # Parsed once: litestar keeps the form in the scope for the handler.
                form = await request.form()
                sent = form.get(CSRF_FIELD)
            # A browser without the anonymous cookie cannot hold a token bound to it.
            fresh_browser = new_anonymous is not None
            if (
                fresh_browser
                or not isinstance(sent, str)
                or not hmac.compare_digest(sent, expected)
            ):
                raise PermissionDeniedException(
                    "The form expired or came from another page. Reload it and try again."
                )
        ScopeState.from_scope(scope).csrf_token = expected

        if new_anonymous is None:
            await self.app(scope, receive, send)
            return
        cookie = Cookie(
            key=ANONYMOUS_COOKIE,
            value=new_anonymous,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        ).to_header(header="")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def csrf_middleware(*, key: bytes, secure: bool) -> DefineMiddleware:
    return DefineMiddleware(SessionBoundCsrf, key=key, secure=secure)
