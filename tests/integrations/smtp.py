"""A real SMTP server (aiosmtpd) for tests: collects what arrives, can be told to refuse."""

from __future__ import annotations

import email
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"


@dataclass
class Received:
    envelope: Envelope
    tls: bool

    @property
    def message(self) -> EmailMessage:
        assert isinstance(self.envelope.content, bytes)
        parsed = email.message_from_bytes(self.envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Collects what arrives; ``rcpt_reply``/``data_reply`` make the server refuse."""

    rcpt_reply: Callable[[str], str | None] = lambda _address: None
    data_reply: str | None = None
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        refusal = self.rcpt_reply(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(Received(envelope, tls=session.ssl is not None))
        return "250 Message accepted for delivery"


@dataclass
class StrictHandler(Handler):
    """A relay that holds clients to RFC 6152 and RFC 6531, as strict ones do.

    8-bit bytes anywhere in a message need ``BODY=8BITMIME`` on ``MAIL FROM``;
    non-ASCII in the header section or in an envelope address needs ``SMTPUTF8``; a
    line longer than RFC 5322's 998 characters is refused. ``offer_8bitmime=False``
    leaves ``8BITMIME`` out of the EHLO reply and refuses ``BODY=8BITMIME``; whether
    ``SMTPUTF8`` is offered is the server's ``enable_SMTPUTF8`` (aiosmtpd refuses the
    parameter and non-ASCII addresses itself when it is off).
    """

    offer_8bitmime: bool = True

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # the 5-argument hook must set it itself
        if not self.offer_8bitmime:
            responses = [r for r in responses if "8BITMIME" not in r.upper()]
        return responses

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if "BODY=8BITMIME" in mail_options and not self.offer_8bitmime:
            return "555 5.5.4 BODY=8BITMIME was not offered"
        if not address.isascii() and "SMTPUTF8" not in mail_options:
            return "553 5.6.7 Non-ASCII sender address without SMTPUTF8"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not address.isascii() and not envelope.smtp_utf8:
            return "553 5.6.7 Non-ASCII recipient address without SMTPUTF8"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        head = content.split(b"\r\n\r\n", 1)[0]
        if not content.isascii() and "BODY=8BITMIME" not in envelope.mail_options:
            return "554 5.6.1 8-bit content without BODY=8BITMIME"
        if not head.isascii() and not envelope.smtp_utf8:
            return "554 5.6.7 Non-ASCII header without SMTPUTF8"
        if any(len(line) > 998 for line in content.split(b"\r\n")):
            return "554 5.6.0 Line longer than 998 characters"
        return await super().handle_DATA(server, session, envelope)
