"""Queue an e-mail in the outbox: the one way any part of the app sends mail."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from booking.notifications.wire import serialise
from booking.outbox import service as outbox

EMAIL_JOB = "email"


async def queue_email(message: EmailMessage, *, dedupe_key: str) -> None:
    """Queue ``message`` (one recipient in ``To``) for delivery after commit.

    Call inside the transaction of the change that causes it. The same ``dedupe_key``
    queues nothing twice, however often the surrounding work is retried.

    The message is serialised here, once, in the 7-bit form any SMTP server takes
    (``booking.notifications.wire``): these bytes, Message-ID included, are what
    every delivery attempt sends.
    """
    recipients = [address for _name, address in getaddresses(message.get_all("To", []))]
    if len(recipients) != 1:
        # One message per recipient: a partial refusal could then never make a retry
        # send a second copy to those who already have it.
        raise ValueError(f"queue one recipient per message, not {recipients}")
    await outbox.enqueue(
        EMAIL_JOB,
        {
            "from": parseaddr(str(message["From"]))[1],
            "to": recipients[0],
            "subject": str(message["Subject"]),
            "message": base64.b64encode(serialise(message)).decode("ascii"),
        },
        dedupe_key=dedupe_key,
    )
