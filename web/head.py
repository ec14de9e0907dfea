"""``HEAD`` answered wherever ``GET`` is (RFC 9110 9.3.2: a server must support HEAD
for every resource GET serves; monitors and link checkers use it).

litestar routes a method only to handlers declared for it, so a ``@get`` handler
answers HEAD with 405. Rather than declaring HEAD on every handler (and forgetting it
on the next), the application's ASGI handler is wrapped: a HEAD request is routed and
handled as the GET it stands for, and the body of the answer is dropped. The status
and the headers, ``Content-Length`` included, are the GET's, as HEAD requires.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def answer_head(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return
        scope["method"] = "GET"
        finished = False

        async def send_without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] != "http.response.body":
                await send(message)
            elif not finished:
                # One empty, final body message; what the GET streams after it is dropped.
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await app(scope, receive, send_without_body)

    return handle


def answer_head_everywhere(app: Litestar) -> None:
    """Install :func:`answer_head` inside ``app``: litestar's own wrapping of ``send``
    (the ``before_send`` hooks: security headers) still sees every response."""
    app.asgi_handler = answer_head(app.asgi_handler)
