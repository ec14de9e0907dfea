"""The outbox runner delivers booking e-mails after commit, and retries what failed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import time_machine

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.outbox import service as outbox
from booking.outbox.email import EMAIL_JOB, queue_email
from integrations.mail import SmtpSender
from integrations.outbox import deliver_emails, email_handler, run_due
from tests.conftest import serve_in_loop
from tests.integrations.conftest import StartServer
from tests.integrations.smtp import HOST, Handler
from web.app import create_app
from web.settings import Settings

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


async def book_through_api(settings: Settings) -> None:
    """Make one booking with an app whose outbox runner is under the test's control."""
    app = create_app(settings)
    async with serve_in_loop(app) as client:
        host = await hosts.create(
            HostCreate(email="ada@example.com", slug="ada", name="Ada", time_zone="Europe/Berlin")
        )
        await event_types.create(
            host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
        )
        response = await client.post(
            "/api/v1/public/ada/intro/bookings",
            json={"start": "2026-03-02T09:00:00Z", "name": "Grace", "email": "grace@example.com",
                  "time_zone": "America/New_York"},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        await app.state.outbox.drain()


async def test_booking_emails_reach_invitee_and_host_over_smtp(
    settings: Settings, start_server: StartServer
) -> None:
    handler = Handler()
    port = start_server(handler)
    await book_through_api(replace(settings, smtp_url=f"smtp://{HOST}:{port}"))

    by_recipient = {r.envelope.rcpt_tos[0]: r.message for r in handler.received}
    assert set(by_recipient) == {"grace@example.com", "ada@example.com"}
    invitee = by_recipient["grace@example.com"]
    assert invitee["Subject"].startswith("Confirmed: Intro with Ada")
    assert "04:00" in invitee.get_body(("plain",)).get_content(), "09:00 UTC in New York"
    ics = [
        p for p in invitee.walk() if p.get_content_type() in {"text/calendar", "application/ics"}
    ]
    assert len(ics) == 2
    assert all(b"METHOD:REQUEST" in p.get_payload(decode=True) for p in ics)
    assert {j["status"] for j in await outbox.jobs_of_kind("email")} == {"done"}


async def test_without_smtp_emails_are_logged_and_kept(settings: Settings) -> None:
    await book_through_api(settings)
    jobs = await outbox.jobs_of_kind("email")
    assert [j["status"] for j in jobs] == ["logged", "logged"]
    assert {j["payload"]["to"] for j in jobs} == {"grace@example.com", "ada@example.com"}
    assert all(j["payload"]["message"] for j in jobs), "the message is kept for an operator"


@pytest.mark.usefixtures("db")
async def test_a_logged_email_names_recipient_and_subject(caplog: pytest.LogCaptureFixture) -> None:
    await outbox.enqueue(
        "email", {"from": "a@x.org", "to": "b@y.org", "subject": "Hi", "message": ""}
    )
    with caplog.at_level("INFO", logger="rendezvous.outbox"):
        assert await deliver_emails(None, NOW) == 1
    assert "to=b@y.org subject=Hi" in caplog.text


async def test_temporary_failures_are_retried_later_and_permanent_ones_stop(
    settings: Settings, start_server: StartServer
) -> None:
    # The invitee's server says "try later", the host's refuses the mailbox.
    handler = Handler(
        rcpt_reply=lambda address: (
            "451 4.7.1 Try again later" if address.startswith("grace") else "550 5.1.1 No such user"
        )
    )
    port = start_server(handler)
    await book_through_api(replace(settings, smtp_url=f"smtp://{HOST}:{port}"))

    jobs = {j["payload"]["to"]: j for j in await outbox.jobs_of_kind("email")}
    temporary, permanent = jobs["grace@example.com"], jobs["ada@example.com"]
    assert permanent["status"] == "failed"
    assert "550" in permanent["last_error"]
    assert temporary["status"] == "pending"
    assert temporary["attempts"] == 1
    assert (
        NOW + timedelta(seconds=15) <= temporary["next_attempt_at"] <= NOW + timedelta(seconds=30)
    )

    # Once due and the server recovers, the retry delivers it.
    handler.rcpt_reply = lambda _address: None
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert await deliver_emails(SmtpSender(f"smtp://{HOST}:{port}"), datetime.now(UTC)) == 1
    assert [r.envelope.rcpt_tos for r in handler.received] == [["grace@example.com"]]


class ProcessDied(BaseException):
    """Stands in for SIGKILL: nothing in the runner catches it, so the job is left
    running under its lease, as a killed process leaves it."""


class DiesAfterSending(SmtpSender):
    async def send_raw(self, data: bytes, *, sender: str, recipients: list[str]) -> None:
        await super().send_raw(data, sender=sender, recipients=recipients)
        raise ProcessDied


@pytest.mark.usefixtures("db")
async def test_an_email_sent_again_after_a_crash_is_the_same_message(
    start_server: StartServer,
) -> None:
    """The server took the message but its sender died before recording that: the
    worker that takes the job over sends the stored bytes again, Message-ID and all."""
    handler = Handler()
    port = start_server(handler)
    message = EmailMessage()
    message["From"] = "Rendezvous <no-reply@example.com>"
    message["To"] = "Zoë Müller <zoe@example.com>"
    message["Subject"] = "Confirmed: Intro with Ada"
    message["Message-ID"] = make_msgid(domain="rendezvous")
    message.set_content("See you then.")
    await queue_email(message, dedupe_key="crash-test")
    lease = timedelta(minutes=1)

    dying = {EMAIL_JOB: email_handler(DiesAfterSending(f"smtp://{HOST}:{port}"))}
    with pytest.raises(ProcessDied):
        await run_due(dying, worker="dies", lease=lease)
    [job] = await outbox.jobs_of_kind(EMAIL_JOB)
    assert (job["status"], job["claimed_by"]) == ("running", "dies")

    with time_machine.travel(NOW + lease, tick=False):
        assert await deliver_emails(SmtpSender(f"smtp://{HOST}:{port}"), NOW + lease) == 1
    [job] = await outbox.jobs_of_kind(EMAIL_JOB)
    assert (job["status"], job["attempts"]) == ("done", 2)

    first, second = handler.received
    assert first.envelope.content == second.envelope.content
    assert first.envelope.content == base64.b64decode(job["payload"]["message"])
    assert first.message["Message-ID"] == second.message["Message-ID"] == message["Message-ID"]
