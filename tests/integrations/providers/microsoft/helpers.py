"""Shared by the Microsoft tests: the app pointed at the emulator, a grant made
through the real consent (msal against the emulator's identity endpoints), and a
receiver that answers Graph's validation handshake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.accounts.tokens import OAuthTokens
from integrations.calendars import service
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.retry import RetryPolicy
from integrations.providers.microsoft.oauth import READ_SCOPES, MicrosoftApp
from integrations.vault import TokenVault, generate_key
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.calendars.helpers import Sleeps
from web.settings import OAuthClient, Settings

REDIRECT_URI = "http://127.0.0.1:8000/calendars/microsoft/callback"


def microsoft_app(ms: MicrosoftGraphEmulator, *, timeout: float = 5.0) -> MicrosoftApp:
    return MicrosoftApp(
        ms.client_id,
        ms.client_secret,
        authority=ms.authority,
        graph_url=ms.graph_url,
        timeout=timeout,
        verify=ms.ca_file,
        instance_discovery=False,
        trust_env=False,
    )


def consent_tokens(
    ms: MicrosoftGraphEmulator,
    app: MicrosoftApp | None = None,
    scopes: tuple[str, ...] = READ_SCOPES,
) -> OAuthTokens:
    """The grant a host gets by clicking through Microsoft's consent."""
    app = app or microsoft_app(ms)
    consent = app.begin(REDIRECT_URI, scopes)
    return app.finish(consent.pending, ms.browser_sign_in(consent.url))


@dataclass
class Receiver:
    """A webhook on loopback that echoes ``validationToken`` as Graph wants and
    records every notification body."""

    url: str
    notifications: list[bytes] = field(default_factory=list)


@contextmanager
def validation_receiver() -> Iterator[Receiver]:
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            query = parse_qs(urlsplit(self.path).query)
            token = query.get("validationToken", [None])[0]
            if token is not None:
                answer, kind, status = token.encode(), "text/plain; charset=utf-8", 200
            else:
                bodies.append(body)
                answer, kind, status = b"", "text/plain", 202
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/webhooks/microsoft", bodies)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def microsoft_environment(ms: MicrosoftGraphEmulator, **overrides: Any) -> CalendarEnvironment:
    """A calendar environment with Microsoft on the emulator (retries wait on nothing)."""
    values: dict[str, Any] = {
        "vault": TokenVault(generate_key()),
        "public_url": "http://127.0.0.1:8000",
        "mail_from": "Rendezvous <no-reply@example.com>",
        "microsoft": microsoft_app(ms),
        "retry": RetryPolicy(sleep=Sleeps()),
    }
    values.update(overrides)
    return CalendarEnvironment(**values)


async def connect(env: CalendarEnvironment, ms: MicrosoftGraphEmulator, host_id: int) -> int:
    """The host clicks "Connect Microsoft 365" and consents."""
    consent = service.begin_microsoft_consent(env, REDIRECT_URI)
    return await service.connect_microsoft(
        env, host_id, consent.pending, ms.browser_sign_in(consent.url)
    )


def app_settings(settings: Settings, ms: MicrosoftGraphEmulator, **overrides: Any) -> Settings:
    """Test settings with Microsoft pointed at the emulator."""
    return replace(
        settings,
        public_url=overrides.pop("public_url", "http://127.0.0.1:8000"),
        microsoft=OAuthClient(ms.client_id, ms.client_secret),
        microsoft_authority=ms.authority,
        microsoft_graph_url=ms.graph_url,
        microsoft_ca_file=ms.ca_file,
        push_debounce_seconds=0.0,
        **overrides,
    )


@contextmanager
def fake_graph(body: bytes) -> Iterator[str]:
    """A server that answers every GET with 200 and ``body``: a broken Graph."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1.0"
    finally:
        server.shutdown()
        server.server_close()
