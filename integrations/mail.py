"""Sending booking e-mails over SMTP.

``SMTP_URL`` forms (the settings layer passes the string in; nothing here reads the
environment):

- ``smtp://[user[:password]@]host[:port]``: plain, port 25. No opportunistic
  STARTTLS: a relay that offers it with a certificate we cannot verify would fail
  every delivery, so encryption is asked for explicitly with one of:
- ``smtp+starttls://...``: STARTTLS required, port 587.
- ``smtps://...``: TLS from the first byte, port 465.

User and password are percent-decoded (``%40`` for an ``@`` in a user name).

How the delivery loop treats :class:`MailDeliveryError`: ``temporary`` means try
again later (connection refused, timeouts, 4xx replies such as greylisting);
otherwise the server refused for good (5xx: unknown recipient, rejected content,
bad credentials, TLS required but not offered) and retrying the same message will
not help.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import ClassVar, Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from booking.errors import DomainError

__all__ = ["MailDeliveryError", "SmtpEndpoint", "SmtpSender", "parse_smtp_url"]

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
        """Hand ``message`` to the server; sender and recipients come from its headers."""
        await self._deliver(message)

    async def send_raw(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        """Send an already serialised message byte for byte.

        The outbox stores messages serialised once; parsing and re-flattening them would
        let CPython refold headers (a 70-78 character Subject comes back with a leading
        space), so what was composed is exactly what is sent.
        """
        await self._deliver(data, sender=sender, recipients=recipients)

    async def _deliver(
        self,
        message: EmailMessage | bytes,
        *,
        sender: str | None = None,
        recipients: list[str] | None = None,
    ) -> None:
        endpoint = self.endpoint
        where = f"{endpoint.host}:{endpoint.port}"
        try:
            refused, _ = await aiosmtplib.send(
                message,
                sender=sender,
                recipients=recipients,
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
            # No reply code: the server lacks something we require (STARTTLS, AUTH,
            # SMTPUTF8). That is configuration, which retrying does not change.
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
