"""Queue an e-mail in the outbox: the one way any part of the app sends mail."""

from __future__ import annotations

import base64
import email.policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from booking.outbox import service as outbox

EMAIL_JOB = "email"
# Serialised once, for the wire: CRLF line ends, and headers folded only past RFC 5322's
# hard limit, because CPython folds a Subject that would just fit on a line of its own
# onto a continuation line that parsers read back with a leading space.
_WIRE = email.policy.SMTPUTF8.clone(max_line_length=998)


async def queue_email(message: EmailMessage, *, dedupe_key: str) -> None:
    """Queue ``message`` (one recipient in ``To``) for delivery after commit.

    Call inside the transaction of the change that causes it. The same ``dedupe_key``
    queues nothing twice, however often the surrounding work is retried.
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
            "message": base64.b64encode(message.as_bytes(policy=_WIRE)).decode("ascii"),
        },
        dedupe_key=dedupe_key,
    )
