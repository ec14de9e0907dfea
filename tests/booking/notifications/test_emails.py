from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from html import escape
from typing import Any, Literal

import pytest
from icalendar import Calendar

from booking.notifications.emails import Audience, Kind, compose
from booking.notifications.ics import Invite, build_ics
from booking.notifications.wire import serialise
from tests.booking.notifications import CREATED, START, make_invite

FROM = "Rendezvous <noreply@example.com>"
JOIN = "https://zoom.us/j/123456?pwd=s3cret&uname=x"


def mail(
    kind: Kind = "confirmed",
    invite: Invite | None = None,
    *,
    audience: Audience = "invitee",
    zone: str = "America/New_York",
    **kwargs: Any,
) -> EmailMessage:
    invite = invite or make_invite()
    if audience == "invitee":
        name, address = invite.invitee
    else:
        name, address = invite.organizer_name, invite.organizer_email
    kwargs.setdefault("recipient_name", name)
    kwargs.setdefault("recipient_email", address)
    return compose(
        kind,
        invite,
        recipient_time_zone=zone,
        audience=audience,
        mail_from=FROM,
        **kwargs,
    )


def reparse(message: EmailMessage) -> EmailMessage:
    """The message as a mail client gets it: serialised, then parsed again."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage, subtype: Literal["plain", "html"]) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    assert part.get_content_type() == f"text/{subtype}"
    content = part.get_content()
    assert isinstance(content, str)
    return content


def calendar_parts(message: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    [alternative] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [attachment] = list(message.iter_attachments())
    assert isinstance(alternative, EmailMessage)
    assert isinstance(attachment, EmailMessage)
    return alternative, attachment


class TestSubject:
    @pytest.mark.parametrize(
        ("kind", "audience", "zone", "subject"),
        [
            (
                "confirmed",
                "invitee",
                "Europe/Berlin",
                "Confirmed: 30 Minute Meeting with Ada Lovelace"
                " on Tue, 3 Mar 2026 at 10:00 (Europe/Berlin)",
            ),
            (
                "confirmed",
                "host",
                "Europe/Berlin",
                "New booking: Grace Hopper - 30 Minute Meeting"
                " on Tue, 3 Mar 2026 at 10:00 (Europe/Berlin)",
            ),
            (
                "rescheduled",
                "invitee",
                "America/New_York",
                "Rescheduled: 30 Minute Meeting with Ada Lovelace"
                " on Tue, 3 Mar 2026 at 04:00 (America/New_York)",
            ),
            (
                "rescheduled",
                "host",
                "Asia/Kolkata",
                "Rescheduled: Grace Hopper - 30 Minute Meeting"
                " on Tue, 3 Mar 2026 at 14:30 (Asia/Kolkata)",
            ),
            (
                "cancelled",
                "invitee",
                "UTC",
                "Cancelled: 30 Minute Meeting with Ada Lovelace on Tue, 3 Mar 2026 at 09:00 (UTC)",
            ),
            (
                "cancelled",
                "host",
                "Europe/Berlin",
                "Cancelled: Grace Hopper - 30 Minute Meeting"
                " on Tue, 3 Mar 2026 at 10:00 (Europe/Berlin)",
            ),
        ],
    )
    def test_per_kind_and_audience(
        self, kind: Kind, audience: Audience, zone: str, subject: str
    ) -> None:
        status = "cancelled" if kind == "cancelled" else "confirmed"
        message = mail(kind, make_invite(status=status), audience=audience, zone=zone)

        assert reparse(message)["Subject"] == subject

    def test_newlines_in_a_title_cannot_inject_headers(self) -> None:
        message = mail(invite=make_invite(title="Chat\r\nBcc: victim@example.net"))

        raw = message.as_bytes()
        assert b"\nBcc:" not in raw
        assert reparse(message)["Subject"].startswith("Confirmed: Chat Bcc: victim@example.net")


class TestTimes:
    def test_same_instant_in_each_recipients_zone(self) -> None:
        invitee = mail(zone="America/New_York")
        host = mail(audience="host", zone="Europe/Berlin")

        assert "When: Tue, 3 Mar 2026, 04:00 \N{EN DASH} 04:30 (America/New_York)" in body(
            invitee, "plain"
        )
        assert "When: Tue, 3 Mar 2026, 10:00 \N{EN DASH} 10:30 (Europe/Berlin)" in body(
            host, "plain"
        )
        assert "04:00 \N{EN DASH} 04:30 (America/New_York)" in body(invitee, "html")

    def test_a_meeting_across_local_midnight_names_both_days(self) -> None:
        invite = make_invite(
            start=datetime(2026, 3, 3, 22, 30, tzinfo=UTC),
            end=datetime(2026, 3, 3, 23, 30, tzinfo=UTC),
        )
        text = body(mail(invite=invite, zone="Europe/Berlin"), "plain")

        assert (
            "When: Tue, 3 Mar 2026, 23:30 \N{EN DASH} Wed, 4 Mar 2026, 00:30 (Europe/Berlin)"
            in text
        )

    def test_daylight_saving_time_is_applied(self) -> None:
        summer = make_invite(
            start=datetime(2026, 7, 7, 9, 0, tzinfo=UTC),
            end=datetime(2026, 7, 7, 9, 30, tzinfo=UTC),
        )

        assert "at 11:00 (Europe/Berlin)" in mail(invite=summer, zone="Europe/Berlin")["Subject"]

    def test_unknown_zone(self) -> None:
        with pytest.raises(ValueError, match="unknown time zone"):
            mail(zone="Mars/Olympus_Mons")


class TestEscaping:
    def test_html_in_name_notes_and_reason_is_escaped(self) -> None:
        script = "<script>alert(1)</script>"
        invite = make_invite(
            attendees=((f"Eve {script}", "eve@example.com"),),
            notes=f"Hi {script} <b>bold</b>",
            title="Demo & <i>more</i>",
            status="cancelled",
            sequence=1,
        )
        for audience in ("invitee", "host"):
            message = reparse(
                mail("cancelled", invite, audience=audience, reason=f"Because {script}")
            )
            html = body(message, "html")

            assert "<script" not in html
            assert "<b>" not in html
            assert "<i>" not in html
            assert "Eve &lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "Hi &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
            assert "Because &lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "Demo &amp; &lt;i&gt;more&lt;/i&gt;" in html
            # Plain text shows what was typed; nothing renders it.
            assert f"Eve {script}" in body(message, "plain")

            alternative, attachment = calendar_parts(message)
            event = Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]
            assert event["ATTENDEE"].params["CN"] == f"Eve {script}"
            assert script in str(event["DESCRIPTION"])
            assert alternative.get_payload(decode=True) == attachment.get_content()

    def test_links_are_escaped_inside_href(self) -> None:
        html = body(mail(invite=make_invite(join_url=JOIN)), "html")

        assert f'href="{escape(JOIN)}"' in html
        assert JOIN not in html  # the raw "&" never appears


class TestCalendarParts:
    def test_structure_and_method(self) -> None:
        invite = make_invite()
        message = reparse(mail(invite=invite))

        assert message.get_content_type() == "multipart/mixed"
        [alternative_group, attachment] = message.iter_parts()
        assert alternative_group.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in alternative_group.iter_parts()] == [
            "text/plain",
            "text/html",
            "text/calendar",
        ]
        calendar, attached = calendar_parts(message)
        assert calendar.get_param("method") == "REQUEST"
        assert str(calendar.get_param("charset")).upper() == "UTF-8"
        assert calendar.get_content_disposition() is None
        assert attached is attachment
        assert attached.get_content_type() == "application/ics"
        assert attached.get_filename() == "invite.ics"
        assert attached.get_content_disposition() == "attachment"
        ics = build_ics(invite)
        assert calendar.get_payload(decode=True) == ics
        assert attached.get_content() == ics

    def test_cancel_carries_method_cancel(self) -> None:
        invite = make_invite(status="cancelled", sequence=3)
        message = reparse(mail("cancelled", invite))

        calendar, attached = calendar_parts(message)
        assert calendar.get_param("method") == "CANCEL"
        parsed = Calendar.from_ical(attached.get_content())
        assert parsed["METHOD"] == "CANCEL"
        assert parsed.walk("VEVENT")[0]["STATUS"] == "CANCELLED"

    @pytest.mark.parametrize(
        ("kind", "status"),
        [("cancelled", "confirmed"), ("confirmed", "cancelled"), ("rescheduled", "cancelled")],
    )
    def test_kind_must_match_the_invite(self, kind: Kind, status: str) -> None:
        with pytest.raises(ValueError, match="cannot carry"):
            mail(kind, make_invite(status=status))


class TestContent:
    def test_join_and_manage_links_in_both_bodies(self) -> None:
        invite = make_invite(join_url=JOIN)
        for audience in ("invitee", "host"):
            message = mail(invite=invite, audience=audience)
            text, html = body(message, "plain"), body(message, "html")

            assert f"Join: {JOIN}" in text
            assert f"Reschedule or cancel: {invite.manage_url}" in text
            assert escape(JOIN) in html
            assert f'href="{escape(str(invite.manage_url))}"' in html

    def test_cancellation_drops_the_join_and_manage_links(self) -> None:
        invite = make_invite(join_url=JOIN, status="cancelled", sequence=1)
        message = mail("cancelled", invite, reason="Double-booked, sorry.")
        text, html = body(message, "plain"), body(message, "html")

        assert "has been cancelled" in text
        assert "Reason:\nDouble-booked, sorry." in text
        assert JOIN not in text
        assert str(invite.manage_url) not in text
        assert escape(JOIN) not in html

    def test_reschedule_mentions_the_previous_time(self) -> None:
        previous = START - timedelta(days=1)
        invite = make_invite(sequence=1)
        message = reparse(
            mail("rescheduled", invite, zone="Europe/Berlin", previous_start=previous)
        )

        assert "Previously: Mon, 2 Mar 2026 at 10:00 (Europe/Berlin)" in body(message, "plain")
        assert "Previously: <s>Mon, 2 Mar 2026 at 10:00 (Europe/Berlin)</s>" in body(
            message, "html"
        )
        _, attached = calendar_parts(message)
        event = Calendar.from_ical(attached.get_content()).walk("VEVENT")[0]
        assert event["UID"] == "bk_7f3a@rendezvous"
        assert event["SEQUENCE"] == 1

    def test_participants_and_notes(self) -> None:
        host_text = body(mail(audience="host"), "plain")

        assert "Grace Hopper booked 30 Minute Meeting with you." in host_text
        assert "  - Ada Lovelace <ada@example.com> (Host)" in host_text
        assert "  - Grace Hopper <grace@example.com> (Invitee)" in host_text
        assert "  - Alan Turing <alan@example.org> (Guest)" in host_text
        assert "Notes from Grace Hopper:\nPlease bring the punch cards." in host_text
        assert "Your notes:\nPlease bring the punch cards." in body(mail(), "plain")


class TestHeaders:
    def test_headers(self) -> None:
        message = reparse(mail())

        assert message["From"] == FROM
        assert message["To"] == "Grace Hopper <grace@example.com>"
        assert message["Reply-To"] == "Ada Lovelace <ada@example.com>"
        assert message["Date"].datetime == CREATED
        assert message["Message-ID"].endswith("@rendezvous>")
        assert message["Auto-Submitted"] == "auto-generated"
        assert reparse(mail(audience="host"))["Reply-To"] == "Grace Hopper <grace@example.com>"

    def test_message_ids_differ(self) -> None:
        assert mail()["Message-ID"] != mail()["Message-ID"]

    def test_non_ascii_display_names_are_encoded(self) -> None:
        invite = make_invite(organizer_name="Zoë Ångström")
        message = mail(invite=invite, recipient_name='Jürgen Müller, "JM"')

        raw = message.as_bytes()
        headers = raw.split(b"\n\n", 1)[0]
        assert headers.isascii()
        assert b"=?utf-8?" in headers
        parsed = reparse(message)
        [to] = parsed["To"].addresses
        assert (to.display_name, to.addr_spec) == ('Jürgen Müller, "JM"', "grace@example.com")
        [reply_to] = parsed["Reply-To"].addresses
        assert reply_to.display_name == "Zoë Ångström"
        assert "with Zoë Ångström" in parsed["Subject"]

    def test_a_recipient_name_cannot_inject_headers(self) -> None:
        message = mail(recipient_name="Eve\r\nBcc: victim@example.net")

        assert b"\nBcc:" not in message.as_bytes()
        assert reparse(message)["To"].addresses[0].display_name == "Eve Bcc: victim@example.net"


def every_text(message: EmailMessage) -> str:
    """Everything a recipient's software can read in the message, decoded: headers,
    bodies and the .ics parts."""
    raw = serialise(message)
    parsed = reparse(message)
    texts = [raw.decode("utf-8")]
    for part in parsed.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            texts.append(payload.decode("utf-8"))
    return "\n".join(texts)


class TestGuests:
    def test_a_guest_is_invited_in_the_invitees_terms_without_the_manage_link(self) -> None:
        invite = make_invite()
        message = reparse(
            mail(
                invite=invite,
                audience="guest",
                recipient_name="",
                recipient_email="alan@example.org",
            )
        )

        assert message["Subject"] == (
            "Invitation: 30 Minute Meeting with Ada Lovelace"
            " on Tue, 3 Mar 2026 at 04:00 (America/New_York)"
        )
        assert message["To"] == "alan@example.org"
        assert message["Reply-To"] == "Ada Lovelace <ada@example.com>"
        text = body(message, "plain")
        assert text.startswith("Hi,\n")
        assert "Grace Hopper invited you to 30 Minute Meeting with Ada Lovelace." in text
        assert "Notes from Grace Hopper:\nPlease bring the punch cards." in text
        assert str(invite.manage_url) not in every_text(message)
        _, attached = calendar_parts(message)
        event = Calendar.from_ical(attached.get_content()).walk("VEVENT")[0]
        assert "Reschedule or cancel" not in str(event["DESCRIPTION"])

    @pytest.mark.parametrize(
        ("kind", "prefix", "headline"),
        [
            (
                "rescheduled",
                "Rescheduled",
                "30 Minute Meeting with Ada Lovelace has been rescheduled.",
            ),
            ("cancelled", "Cancelled", "30 Minute Meeting with Ada Lovelace has been cancelled."),
        ],
    )
    def test_updates_and_cancellation(self, kind: Kind, prefix: str, headline: str) -> None:
        invite = make_invite(status="cancelled" if kind == "cancelled" else "confirmed", sequence=2)
        message = mail(
            kind, invite, audience="guest", recipient_name="", recipient_email="alan@example.org"
        )

        assert message["Subject"].startswith(f"{prefix}: 30 Minute Meeting with Ada Lovelace on")
        assert headline in body(message, "plain")
        assert str(invite.manage_url) not in every_text(message)


class TestCancellation:
    @pytest.mark.parametrize("audience", ["invitee", "host"])
    def test_a_cancelled_invite_carries_no_manage_link(self, audience: Audience) -> None:
        # Even when the caller hands one in: the .ics stays in calendars after the
        # booking is over, and the link in it would still cancel or reschedule.
        invite = make_invite(status="cancelled", sequence=1)
        assert invite.manage_url is not None
        message = mail("cancelled", invite, audience=audience)

        assert str(invite.manage_url) not in every_text(message)
        assert "token=abc" not in every_text(message)
        _, attached = calendar_parts(reparse(message))
        event = Calendar.from_ical(attached.get_content()).walk("VEVENT")[0]
        assert "Reschedule or cancel" not in str(event.get("DESCRIPTION", ""))
        assert "URL" not in event


class TestInternationalAddresses:
    def test_a_local_part_that_is_not_ascii(self) -> None:
        # Booking accepts zoë@example.com (RFC 6531); Address(addr_spec=...) would raise.
        invite = make_invite(attendees=(("Zoë", "zoë@example.com"),))
        message = mail(invite=invite)

        [to] = message["To"].addresses
        assert (to.display_name, to.username, to.domain) == ("Zoë", "zoë", "example.com")
        assert b"<zo\xc3\xab@example.com>" in serialise(message)
