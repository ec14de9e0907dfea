"""Telling a host, once per broken grant, that Zoom needs reconnecting."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from booking.outbox.email import queue_email

__all__ = ["queue_reconnect_email"]


def reconnect_message(account: dict[str, Any], *, mail_from: str, tab_url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((account["host_name"], account["host_email"]))
    message["Subject"] = "Reconnect Zoom to keep adding meeting links to bookings"
    greeting = f"Hello {account['host_name']}," if account["host_name"] else "Hello,"
    message.set_content(
        f"{greeting}\n\n"
        f"Zoom no longer accepts Rendezvous's access to {account['external_email']}: "
        "it was revoked or has expired.\n"
        "Bookings are still confirmed, but without a Zoom link, until you reconnect.\n\n"
        f"Reconnect here: {tab_url}\n"
    )
    return message


async def queue_reconnect_email(account: dict[str, Any], *, mail_from: str, tab_url: str) -> None:
    """Queue the e-mail; call in the transaction that flagged the account.

    The dedupe key names the connection, so a retried flagging cannot send twice,
    while a later break of a reconnected account is a new e-mail.
    """
    message = reconnect_message(account, mail_from=mail_from, tab_url=tab_url)
    await queue_email(
        message, dedupe_key=f"video-reconnect:{account['id']}:{account['connected_at'].isoformat()}"
    )
