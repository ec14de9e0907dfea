"""Sending booking e-mails over SMTP.

``SMTP_URL`` forms (the settings layer passes the string in; nothing here reads the
environment):

- ``smtp://[user[:password]@]host[:port]``: plain, port 25. No opportunistic
  STARTTLS: a relay that offers it with a certificate we cannot verify would fail
  every delivery, so encryption is asked for explicitly with one of:
- ``smtp+starttls://...``: STARTTLS required, port 587.
- ``smtps://...``: TLS from the first byte, port 465.

User and password are percent-decoded (``%40`` for an ``@`` in a user name).

What goes over the wire: the outbox's messages are 7-bit already
(``booking.notifications.wire``) and go byte for byte, declaring nothing. Bytes made
elsewhere are looked at first: 8-bit content is declared with ``BODY=8BITMIME``
(RFC 6152) and non-ASCII headers or envelope addresses with ``SMTPUTF8`` (RFC 6531)
when the server offers them; when it does not, the message is rewritten in 7-bit form
(RFC 6152 section 3 asks exactly that of a client), which keeps every header value,
the Message-ID included. An address whose local part is not ASCII (``zoë@...``) has
no 7-bit form: a server without ``SMTPUTF8`` cannot take it, and delivery fails for
good with a reason that says so (RFC 6531 section 3.2 forbids sending it anyway).

How the delivery loop treats :class:`MailDeliveryError`: ``temporary`` means try
again later (connection refused, timeouts, 4xx replies such as greylisting);
otherwise the server refused for good (5xx: unknown recipient, rejected content,
bad credentials, TLS required but not offered) and retrying the same message will
not help.
"""

from __future__ import annotations

import copy
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import ClassVar, Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from booking.errors import DomainError
from booking.notifications.wire import ascii_address, reserialise, serialise

__all__ = [
    "MailDeliveryError",
    "SmtpEndpoint",
    "SmtpSender",
    "Transfer",
    "parse_smtp_url",
    "plan_transfer",
]

Security = Literal["plain", "starttls", "tls"]

_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


class MailDeliveryError(DomainError):
    """The SMTP server could not be reached or did not accept the message."""

    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "mail-delivery-failed"
    title: ClassVar[str] = "E-mail could not be delivered"

    def __init__(self, detail: str, *, temporary: bool, smtp_code: int | None = None) -> None:
        super().__init__(detail, extra={"temporary": temporary, "smtp_code": smtp_code})
        #: True when the same message may go through later.
        self.temporary = temporary
        #: The server's reply code, when it answered with one.
        self.smtp_code = smtp_code


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    """A parsed ``SMTP_URL``."""

    host: str
    port: int
    security: Security
    username: str | None = None
    # Kept out of repr so a logged endpoint does not leak it.
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpEndpoint:
    """Parse an ``SMTP_URL``; :class:`ValueError` names what is wrong (never the password)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(
            f"SMTP URL scheme must be smtp, smtp+starttls or smtps, not {parts.scheme!r}"
        )
    security, default_port = _SCHEMES[scheme]
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("SMTP URL port must be a number from 1 to 65535") from None
    if port == 0:
        raise ValueError("SMTP URL port must be a number from 1 to 65535")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("SMTP URL must not have a path, query or fragment")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if password is not None and username is None:
        raise ValueError("SMTP URL has a password but no user")
    if username is not None and password is None:
        raise ValueError("SMTP URL has a user but no password")
    return SmtpEndpoint(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
    )


def _is_temporary(reply_code: int) -> bool:
    # RFC 5321 4.2.1: only 5yz is a permanent failure. Anything else that ends a
    # transaction (4yz, or a code aiosmtplib invents for a broken reply) may pass later.
    return not 500 <= reply_code <= 599


@dataclass(frozen=True, slots=True)
class Transfer:
    """What to send for one message to one server: the bytes, the envelope, and the
    ``MAIL FROM`` parameters that declare what the bytes need."""

    data: bytes
    sender: str
    recipients: list[str]
    options: list[str]


def _header_section(data: bytes) -> bytes:
    end = data.find(b"\r\n\r\n")
    return data if end < 0 else data[:end]


def plan_transfer(
    data: bytes,
    *,
    sender: str,
    recipients: list[str],
    smtputf8: bool,
    eightbitmime: bool,
    where: str = "the SMTP server",
) -> Transfer:
    """How to hand ``data`` to a server that offers ``SMTPUTF8`` and ``8BITMIME`` or not.

    Raises a permanent :class:`MailDeliveryError` when the message needs ``SMTPUTF8``
    (an address whose local part is not ASCII) and the server does not offer it.
    """
    # A domain that is not ASCII goes as its A-label, which every server accepts.
    envelope = [ascii_address(address) or address for address in (sender, *recipients)]
    wide = [address for address in envelope if not address.isascii()]
    needs_utf8 = bool(wide) or not _header_section(data).isascii()
    needs_8bit = not data.isascii()
    if (needs_utf8 and not smtputf8) or (needs_8bit and not eightbitmime):
        # Raw UTF-8 headers and 8-bit bodies have a 7-bit form (RFC 6152 section 3).
        data = reserialise(data)
        needs_utf8 = bool(wide) or not _header_section(data).isascii()
        needs_8bit = not data.isascii()
    if needs_utf8 and not smtputf8:
        what = ", ".join(wide) if wide else "an address in its headers"
        raise MailDeliveryError(
            f"{where} does not offer SMTPUTF8 (RFC 6531), which the message needs for "
            f"{what}: an address whose part before the @ is not ASCII cannot be sent "
            "without it. Use a relay that offers SMTPUTF8, or another address.",
            temporary=False,
        )
    options = []
    if needs_8bit and eightbitmime:
        options.append("BODY=8BITMIME")
    if needs_utf8:
        options.append("SMTPUTF8")
    return Transfer(data=data, sender=envelope[0], recipients=envelope[1:], options=options)


class SmtpSender:
    """Sends one message per connection; the delivery loop is the only caller."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.endpoint = parse_smtp_url(url)
        self._timeout = timeout
        self._tls_context = tls_context

    def __repr__(self) -> str:
        return f"SmtpSender({self.endpoint!r})"

    async def send(self, message: EmailMessage) -> None:
        """Serialise ``message`` for the wire and send it; the envelope comes from its
        ``From`` (or ``Sender``) and ``To``, ``Cc`` and ``Bcc`` headers."""
        sender = getaddresses(message.get_all("Sender", []) or message.get_all("From", []))
        recipients = [
            address
            for _name, address in getaddresses(
                [
                    *message.get_all("To", []),
                    *message.get_all("Cc", []),
                    *message.get_all("Bcc", []),
                ]
            )
        ]
        visible = message
        if "Bcc" in message:
            visible = copy.deepcopy(message)
            del visible["Bcc"]
        await self.send_raw(serialise(visible), sender=sender[0][1], recipients=recipients)

    async def send_raw(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        """Send an already serialised message byte for byte (see the module doc for the
        one exception: content the server cannot take as it is).

        The outbox stores messages serialised once; parsing and re-flattening them would
        let CPython refold headers (a 70-78 character Subject comes back with a leading
        space), so what was composed is exactly what is sent.
        """
        endpoint = self.endpoint
        where = f"{endpoint.host}:{endpoint.port}"
        client = aiosmtplib.SMTP(
            hostname=endpoint.host,
            port=endpoint.port,
            username=endpoint.username,
            password=endpoint.password,
            use_tls=endpoint.security == "tls",
            # False, not None: None would upgrade whenever the server offers it.
            start_tls=endpoint.security == "starttls",
            tls_context=self._tls_context,
            timeout=self._timeout,
        )
        try:
            async with client:
                # The extensions come with the EHLO reply (after STARTTLS, the second one).
                if client.is_ehlo_or_helo_needed:
                    try:
                        await client.ehlo()
                    except aiosmtplib.SMTPHeloError:
                        await client.helo()
                transfer = plan_transfer(
                    data,
                    sender=sender,
                    recipients=recipients,
                    smtputf8=client.supports_extension("smtputf8"),
                    eightbitmime=client.supports_extension("8bitmime"),
                    where=where,
                )
                refused, _ = await client.sendmail(
                    transfer.sender,
                    transfer.recipients,
                    transfer.data,
                    mail_options=transfer.options,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [recipient.code for recipient in exc.recipients]
            raise MailDeliveryError(
                f"{where} refused every recipient: "
                + "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients),
                temporary=all(_is_temporary(code) for code in codes),
                smtp_code=codes[0] if codes else None,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise MailDeliveryError(
                f"{where} answered {exc.code} {exc.message}",
                temporary=_is_temporary(exc.code),
                smtp_code=exc.code,
            ) from exc
        except OSError as exc:
            # Refused, reset, unreachable, timed out (aiosmtplib's connect, read and
            # TLS errors are OSErrors too): the server may be back later.
            raise MailDeliveryError(f"could not talk to {where}: {exc}", temporary=True) from exc
        except aiosmtplib.SMTPException as exc:
            # No reply code: the server lacks something we require (STARTTLS, AUTH).
            # That is configuration, which retrying does not change.
            raise MailDeliveryError(f"{where}: {exc}", temporary=False) from exc
        if refused:
            # Some recipients took the message, so a retry would send them a second
            # copy. compose() writes one recipient per message, so this means a
            # message built elsewhere; report it rather than retry.
            raise MailDeliveryError(
                f"{where} refused some recipients: "
                + "; ".join(
                    f"{rcpt}: {reply.code} {reply.message}" for rcpt, reply in refused.items()
                ),
                temporary=False,
                smtp_code=next(iter(refused.values())).code,
            )
