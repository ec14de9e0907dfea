"""Telling a host, once, that a calendar account needs reconnecting."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from booking.outbox.email import queue_email

__all__ = ["queue_reconnect_email"]

_PROVIDERS = {"google": "Google"}


def reconnect_message(account: dict[str, Any], *, mail_from: str, public_url: str) -> EmailMessage:
    provider = _PROVIDERS.get(account["provider"], account["provider"])
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((account["host_name"], account["host_email"]))
    message["Subject"] = f"Reconnect your {provider} calendar"
    message.set_content(
        f"Hello{' ' + account['host_name'] if account['host_name'] else ''},\n\n"
        f"Rendezvous can no longer read the {provider} calendars of "
        f"{account['external_email']}: access was revoked or has expired.\n"
        "Until you reconnect, your booking page cannot see new events in those "
        "calendars, so invitees may book times that are no longer free.\n\n"
        f"Reconnect here: {public_url.rstrip('/')}/calendars\n"
    )
    return message


async def queue_reconnect_email(
    account: dict[str, Any], *, mail_from: str, public_url: str
) -> None:
    """Queue the e-mail in the outbox; call in the transaction that flagged the account.

    The dedupe key names the connection, so a retried flagging cannot send twice,
    while a later break of a reconnected account is a new e-mail.
    """
    message = reconnect_message(account, mail_from=mail_from, public_url=public_url)
    await queue_email(
        message,
        dedupe_key=f"calendar-reconnect:{account['id']}:{account['connected_at'].isoformat()}",
    )
