"""The embedded default's outbox runner keeps going while there is a backlog.

Not frozen in time (unlike test_outbox.py): the runner's own loop is what is shown.
"""

from __future__ import annotations

import pytest

from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB
from integrations.outbox import OutboxRunner
from tests.waiting import until

pytestmark = pytest.mark.usefixtures("db")


async def test_a_backlog_longer_than_one_round_is_sent_without_waiting_for_the_interval() -> None:
    # More than one round takes (outbox.due's page of 50), e.g. after a burst of bookings.
    for n in range(60):
        await outbox.enqueue(EMAIL_JOB, {"to": f"invitee{n}@example.com", "subject": "Booked"})
    runner = OutboxRunner(None, interval=3600)  # no SMTP: each is logged and kept
    runner.start()
    try:

        async def all_delivered() -> bool:
            jobs = await outbox.jobs_of_kind(EMAIL_JOB)
            return all(job["status"] == "logged" for job in jobs)

        # The interval (capped at the lease, a minute) is far longer than this.
        await until(all_delivered, what="the whole backlog to be delivered", within=20)
    finally:
        await runner.stop()
