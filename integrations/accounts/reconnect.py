"""Telling a host, once per broken grant, that an account needs reconnecting: the
status is set once, one e-mail is queued in the same transaction, and the host's
pages show a banner (:func:`integrations.accounts.service.needing_reconnect`) until
a successful reconnect clears it."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from booking.outbox.email import queue_email
from integrations.accounts.records import Account

__all__ = ["PAGES", "queue_reconnect_email", "reconnect_message"]

_NAMES = {
    "google": "Google",
    "microsoft": "Microsoft",
    "caldav": "CalDAV",
    "ics": "ICS feed",
    "zoom": "Zoom",
}
#: Below the public URL: where a host reconnects an account of each purpose.
PAGES = {"calendar": "/calendars", "video": "/dashboard/video"}


def _what_breaks(account: Account, provider: str) -> tuple[str, str]:
    """(subject, what the host loses) by purpose."""
    if account.purpose == "video":
        return (
            f"Reconnect {provider} to keep adding meeting links to bookings",
            f"{provider} no longer accepts Rendezvous's access to {account.external_email}: "
            "it was revoked or has expired.\n"
            f"Bookings are still confirmed, but without a {provider} link, until you "
            "reconnect.",
        )
    return (
        f"Reconnect your {provider} calendar",
        f"Rendezvous can no longer read the {provider} calendars of "
        f"{account.external_email}: access was revoked or has expired.\n"
        "Until you reconnect, your booking page cannot see new events in those "
        "calendars, so invitees may book times that are no longer free.",
    )


def reconnect_message(account: Account, *, mail_from: str, public_url: str) -> EmailMessage:
    provider = _NAMES.get(account.provider, account.provider)
    subject, body = _what_breaks(account, provider)
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((account.host_name, account.host_email))
    message["Subject"] = subject
    greeting = f"Hello {account.host_name}," if account.host_name else "Hello,"
    page = public_url.rstrip("/") + PAGES.get(account.purpose, "/dashboard")
    message.set_content(f"{greeting}\n\n{body}\n\nReconnect here: {page}\n")
    return message


async def queue_reconnect_email(account: Account, *, mail_from: str, public_url: str) -> None:
    """Queue the e-mail in the outbox; call in the transaction that flagged the account.

    The dedupe key names the grant, so a retried flagging cannot send twice, while a
    later break of a reconnected account is a new e-mail."""
    grant = (account.authorized_at or account.connected_at).isoformat()
    await queue_email(
        reconnect_message(account, mail_from=mail_from, public_url=public_url),
        dedupe_key=f"{account.purpose}-reconnect:{account.id}:{grant}",
    )
