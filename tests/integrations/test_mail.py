"""SmtpSender against a real SMTP server (aiosmtpd, in a thread on 127.0.0.1)."""

from __future__ import annotations

import email
import ipaddress
import socket
import ssl
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
import time_machine
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.notifications.emails import compose
from booking.notifications.ics import build_ics
from booking.notifications.wire import serialise
from booking.outbox import service as outbox
from integrations.mail import (
    MailDeliveryError,
    SmtpEndpoint,
    SmtpSender,
    parse_smtp_url,
    plan_transfer,
)
from tests.booking.notifications import make_invite
from tests.conftest import serve_in_loop
from tests.integrations.conftest import StartServer
from tests.integrations.smtp import HOST, Handler, Received, StrictHandler
from tests.servers import free_port
from web.app import create_app
from web.settings import Settings

USER = "ada@example.com"
PASSWORD = "p@ss:w/rd%"  # every character that needs percent-encoding in a URL
URL_CREDENTIALS = "ada%40example.com:p%40ss%3Aw%2Frd%25"


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1 and a client context that trusts it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory: Path = tmp_path_factory.mktemp("tls")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode("ascii"))
    return Tls(server=server, client=client)


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(
        USER.encode(), PASSWORD.encode()
    )
    # handled=False: aiosmtpd's default assumes the authenticator already replied.
    return AuthResult(success=ok, handled=False)


def booking_mail(**changes: Any) -> EmailMessage:
    invite = make_invite(join_url="https://zoom.us/j/1?pwd=x", **changes)
    return compose(
        "confirmed",
        invite,
        recipient_name="Grace Hopper",
        recipient_email="grace@example.com",
        recipient_time_zone="Europe/Berlin",
        audience="invitee",
        mail_from="Rendezvous <noreply@example.com>",
    )


class TestDelivery:
    async def test_message_arrives_with_the_invite_intact(
        self, start_server: StartServer, tls: Tls
    ) -> None:
        handler = Handler()
        # The server offers STARTTLS; smtp:// must still stay plain (no surprise upgrade).
        port = start_server(handler, tls_context=tls.server)
        message = booking_mail()

        await SmtpSender(f"smtp://{HOST}:{port}").send(message)

        [received] = handler.received
        assert not received.tls
        assert received.envelope.mail_from == "noreply@example.com"
        assert received.envelope.rcpt_tos == ["grace@example.com"]
        arrived = received.message
        assert arrived["Subject"] == message["Subject"]
        assert arrived["Message-ID"] == message["Message-ID"]
        [attachment] = list(arrived.iter_attachments())
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_content() == build_ics(
            make_invite(join_url="https://zoom.us/j/1?pwd=x")
        )
        [calendar] = [p for p in arrived.walk() if p.get_content_type() == "text/calendar"]
        assert calendar.get_param("method") == "REQUEST"
        assert calendar.get_payload(decode=True) == attachment.get_content()

    @pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
    async def test_login_with_percent_encoded_credentials(self, start_server: StartServer) -> None:
        handler = Handler()
        port = start_server(
            handler, authenticator=authenticator, auth_required=True, auth_require_tls=False
        )

        await SmtpSender(f"smtp://{URL_CREDENTIALS}@{HOST}:{port}").send(booking_mail())

        assert len(handler.received) == 1

    async def test_starttls(self, start_server: StartServer, tls: Tls) -> None:
        handler = Handler()
        port = start_server(handler, tls_context=tls.server, require_starttls=True)

        sender = SmtpSender(f"smtp+starttls://{HOST}:{port}", tls_context=tls.client)
        await sender.send(booking_mail())

        [received] = handler.received
        assert received.tls

    async def test_implicit_tls(self, start_server: StartServer, tls: Tls) -> None:
        handler = Handler()
        port = start_server(handler, ssl_context=tls.server)

        await SmtpSender(f"smtps://{HOST}:{port}", tls_context=tls.client).send(booking_mail())

        assert len(handler.received) == 1


class TestFailures:
    @pytest.mark.parametrize(
        ("rcpt_reply", "data_reply", "temporary", "code"),
        [
            ("550 5.1.1 No such user", None, False, 550),
            ("451 4.7.1 Greylisted, try again later", None, True, 451),
            (None, "554 5.6.0 Message rejected as spam", False, 554),
            (None, "452 4.3.1 Insufficient system storage", True, 452),
        ],
    )
    async def test_server_refusals(
        self,
        start_server: StartServer,
        rcpt_reply: str | None,
        data_reply: str | None,
        temporary: bool,
        code: int,
    ) -> None:
        port = start_server(Handler(rcpt_reply=lambda _a: rcpt_reply, data_reply=data_reply))

        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(f"smtp://{HOST}:{port}").send(booking_mail())

        assert caught.value.temporary is temporary
        assert caught.value.smtp_code == code
        assert str(code) in caught.value.detail

    async def test_partly_refused_recipients_are_not_retried(
        self, start_server: StartServer
    ) -> None:
        handler = Handler(
            rcpt_reply=lambda a: "450 4.2.1 Mailbox busy" if a.startswith("busy@") else None
        )
        port = start_server(handler)
        message = booking_mail()
        message.replace_header("To", "grace@example.com, busy@example.com")

        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(f"smtp://{HOST}:{port}").send(message)

        # grace@ already has it; a retry would send her a second copy.
        assert caught.value.temporary is False
        assert "busy@example.com" in caught.value.detail
        assert handler.received[0].envelope.rcpt_tos == ["grace@example.com"]

    @pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
    async def test_wrong_password_is_permanent(self, start_server: StartServer) -> None:
        port = start_server(
            Handler(), authenticator=authenticator, auth_required=True, auth_require_tls=False
        )

        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(f"smtp://{USER.replace('@', '%40')}:nope@{HOST}:{port}").send(
                booking_mail()
            )

        assert caught.value.temporary is False
        assert caught.value.smtp_code == 535
        assert "nope" not in caught.value.detail

    @pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
    async def test_missing_credentials_are_permanent(self, start_server: StartServer) -> None:
        port = start_server(
            Handler(), authenticator=authenticator, auth_required=True, auth_require_tls=False
        )

        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(f"smtp://{HOST}:{port}").send(booking_mail())

        assert caught.value.temporary is False
        assert caught.value.smtp_code == 530

    async def test_starttls_required_but_not_offered(self, start_server: StartServer) -> None:
        port = start_server(Handler())

        with pytest.raises(MailDeliveryError, match="STARTTLS") as caught:
            await SmtpSender(f"smtp+starttls://{HOST}:{port}").send(booking_mail())

        assert caught.value.temporary is False

    async def test_untrusted_certificate(self, start_server: StartServer, tls: Tls) -> None:
        port = start_server(Handler(), ssl_context=tls.server)

        # The default context does not trust the self-signed test certificate.
        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(f"smtps://{HOST}:{port}").send(booking_mail())

        assert caught.value.temporary is True

    async def test_connection_refused_is_temporary(self) -> None:
        port = free_port()  # nothing listens there any more

        with pytest.raises(MailDeliveryError, match=f"{HOST}:{port}") as caught:
            await SmtpSender(f"smtp://{HOST}:{port}").send(booking_mail())

        assert caught.value.temporary is True
        assert caught.value.smtp_code is None

    async def test_a_silent_server_times_out(self) -> None:
        # The kernel completes the handshake on a listening socket, but nobody ever
        # sends the 220 greeting.
        with socket.socket() as silent:
            silent.bind((HOST, 0))
            silent.listen()
            port = silent.getsockname()[1]

            with pytest.raises(MailDeliveryError) as caught:
                await SmtpSender(f"smtp://{HOST}:{port}", timeout=0.2).send(booking_mail())

        assert caught.value.temporary is True


ZOE = "Zoë Müller"
ZOE_INVITE = make_invite(
    title="Café-Gespräch",
    organizer_name="Åsa Ångström",
    attendees=((ZOE, "zoe@example.com"), ("Jürgen Groß", "juergen@example.org")),
    notes="Grüße aus Köln ☕",
)


def international_mail() -> EmailMessage:
    """A booking e-mail with a non-ASCII name in every header that has one."""
    return compose(
        "confirmed",
        ZOE_INVITE,
        recipient_name=ZOE,
        recipient_email="zoe@example.com",
        recipient_time_zone="Europe/Berlin",
        audience="invitee",
        mail_from="Rendezvous Büro <noreply@example.com>",
    )


def handmade(to: str = "zoe@example.com") -> EmailMessage:
    """Built the way other code builds mail: 8-bit body, a non-ASCII attachment name."""
    message = EmailMessage()
    message["From"] = "Rendezvous Büro <noreply@example.com>"
    username, _, domain = to.rpartition("@")
    message["To"] = Address(display_name=ZOE, username=username, domain=domain)
    message["Reply-To"] = "Åsa Ångström <asa@example.com>"
    message["Subject"] = "Unterlagen für Zoë"
    message["Message-ID"] = "<4711@rendezvous>"
    message.set_content("Grüße, Zoë!\n")
    message.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="Übersicht für Zoë.pdf"
    )
    return message


def text(part: EmailMessage | None) -> str:
    assert part is not None
    # Parsed from the wire, text keeps its CRLF line ends.
    return str(part.get_content()).replace("\r\n", "\n")


def declared(received: Received) -> set[str]:
    return {option.split("=")[0] for option in received.envelope.mail_options} & {
        "BODY",
        "SMTPUTF8",
    }


#: The strict relay with both extensions, with 8BITMIME only (aiosmtpd's default),
#: and with neither.
SERVERS = {
    "both": (True, True),
    "8bitmime": (False, True),
    "neither": (False, False),
}


def strict(start_server: StartServer, kind: str) -> tuple[StrictHandler, str]:
    smtputf8, eightbitmime = SERVERS[kind]
    handler = StrictHandler(offer_8bitmime=eightbitmime)
    port = start_server(handler, enable_SMTPUTF8=smtputf8)
    return handler, f"smtp://{HOST}:{port}"


class TestStrictRelays:
    """Every message reaches a relay that enforces RFC 6152 and RFC 6531."""

    async def test_the_relay_refuses_what_was_not_declared(self, start_server: StartServer) -> None:
        # Without this, the tests below could pass against a server that takes anything.
        handler, url = strict(start_server, "both")
        port = int(url.rsplit(":", 1)[1])
        raw_utf8 = handmade().as_bytes(policy=policy.SMTPUTF8)
        async with aiosmtplib.SMTP(hostname=HOST, port=port, start_tls=False) as client:
            with pytest.raises(aiosmtplib.SMTPDataError, match="BODY=8BITMIME"):
                await client.sendmail("noreply@example.com", ["zoe@example.com"], raw_utf8)
            with pytest.raises(aiosmtplib.SMTPDataError, match="SMTPUTF8"):
                await client.sendmail(
                    "noreply@example.com",
                    ["zoe@example.com"],
                    raw_utf8,
                    mail_options=["BODY=8BITMIME"],
                )
            await client.sendmail(
                "noreply@example.com",
                ["zoe@example.com"],
                raw_utf8,
                mail_options=["BODY=8BITMIME", "SMTPUTF8"],
            )
        assert len(handler.received) == 1

    @pytest.mark.parametrize("server", SERVERS)
    async def test_a_booking_email_goes_byte_for_byte_declaring_nothing(
        self, start_server: StartServer, server: str
    ) -> None:
        handler, url = strict(start_server, server)
        message = international_mail()
        data = serialise(message)

        await SmtpSender(url).send_raw(
            data, sender="noreply@example.com", recipients=["zoe@example.com"]
        )

        [received] = handler.received
        assert received.envelope.original_content == data
        assert declared(received) == set()
        arrived = received.message
        [sender] = arrived["From"].addresses
        [to] = arrived["To"].addresses
        [reply_to] = arrived["Reply-To"].addresses
        assert (sender.display_name, to.display_name, reply_to.display_name) == (
            "Rendezvous Büro",
            ZOE,
            "Åsa Ångström",
        )
        assert arrived["Subject"] == message["Subject"]
        assert "Café-Gespräch with Åsa Ångström" in arrived["Subject"]
        assert arrived["Message-ID"] == message["Message-ID"]
        plain = text(arrived.get_body(("plain",)))
        assert plain.startswith(f"Hi {ZOE},")
        assert "Grüße aus Köln ☕" in plain
        assert "Jürgen Groß" in text(arrived.get_body(("html",)))
        [attachment] = arrived.iter_attachments()
        assert attachment.get_content() == build_ics(ZOE_INVITE)

    @pytest.mark.parametrize("server", SERVERS)
    async def test_mail_built_elsewhere_is_made_7bit(
        self, start_server: StartServer, server: str
    ) -> None:
        handler, url = strict(start_server, server)

        await SmtpSender(url).send(handmade())

        [received] = handler.received
        assert received.envelope.original_content.isascii()
        arrived = received.message
        assert arrived["To"].addresses[0].display_name == ZOE
        assert arrived["Reply-To"].addresses[0].display_name == "Åsa Ångström"
        assert arrived["Subject"] == "Unterlagen für Zoë"
        assert text(arrived.get_body(("plain",))) == "Grüße, Zoë!\n"
        [attachment] = arrived.iter_attachments()
        assert attachment.get_filename() == "Übersicht für Zoë.pdf"

    async def test_raw_utf8_bytes_go_as_they_are_where_the_server_takes_them(
        self, start_server: StartServer
    ) -> None:
        handler, url = strict(start_server, "both")
        raw_utf8 = handmade().as_bytes(policy=policy.SMTPUTF8)

        await SmtpSender(url).send_raw(
            raw_utf8, sender="noreply@example.com", recipients=["zoe@example.com"]
        )

        [received] = handler.received
        assert received.envelope.original_content == raw_utf8
        assert declared(received) == {"BODY", "SMTPUTF8"}

    @pytest.mark.parametrize("server", ["8bitmime", "neither"])
    async def test_raw_utf8_bytes_are_rewritten_for_a_server_without_smtputf8(
        self, start_server: StartServer, server: str
    ) -> None:
        # What the outbox held before messages were written 7-bit.
        handler, url = strict(start_server, server)
        raw_utf8 = handmade().as_bytes(policy=policy.SMTPUTF8)

        await SmtpSender(url).send_raw(
            raw_utf8, sender="noreply@example.com", recipients=["zoe@example.com"]
        )

        [received] = handler.received
        assert received.envelope.original_content.isascii()
        assert declared(received) == set()
        arrived = received.message
        assert arrived["Message-ID"] == "<4711@rendezvous>"
        assert arrived["To"].addresses[0].display_name == ZOE
        assert arrived["Subject"] == "Unterlagen für Zoë"
        assert text(arrived.get_body(("plain",))) == "Grüße, Zoë!\n"
        [attachment] = arrived.iter_attachments()
        assert attachment.get_filename() == "Übersicht für Zoë.pdf"

    async def test_an_internationalised_address_goes_where_smtputf8_is_offered(
        self, start_server: StartServer
    ) -> None:
        handler, url = strict(start_server, "both")

        await SmtpSender(url).send(handmade(to="zoë@example.com"))

        [received] = handler.received
        assert received.envelope.rcpt_tos == ["zoë@example.com"]
        # The body is 7-bit, but the address's UTF-8 in the headers is 8-bit content too.
        assert declared(received) == {"BODY", "SMTPUTF8"}
        content = received.envelope.original_content
        assert "<zoë@example.com>".encode() in content
        arrived = email.message_from_string(content.decode("utf-8"), policy=policy.default)
        [to] = arrived["To"].addresses
        assert (to.display_name, to.addr_spec) == (ZOE, "zoë@example.com")

    @pytest.mark.parametrize("server", ["8bitmime", "neither"])
    async def test_an_internationalised_address_fails_for_good_without_smtputf8(
        self, start_server: StartServer, server: str
    ) -> None:
        handler, url = strict(start_server, server)

        with pytest.raises(MailDeliveryError) as caught:
            await SmtpSender(url).send(handmade(to="zoë@example.com"))

        assert caught.value.temporary is False
        assert "SMTPUTF8" in caught.value.detail
        assert "zoë@example.com" in caught.value.detail
        assert handler.received == []

    async def test_a_non_ascii_domain_goes_as_its_a_label(self, start_server: StartServer) -> None:
        handler, url = strict(start_server, "neither")

        await SmtpSender(url).send(handmade(to="grace@bücher.de"))

        [received] = handler.received
        assert received.envelope.rcpt_tos == ["grace@xn--bcher-kva.de"]
        assert received.message["To"].addresses[0].domain == "xn--bcher-kva.de"


class TestBookingMailEndToEnd:
    async def test_a_booking_reaches_everyone_through_a_strict_relay(
        self, settings: Settings, start_server: StartServer
    ) -> None:
        # Neither SMTPUTF8 nor 8BITMIME offered; names with non-ASCII everywhere.
        handler = StrictHandler(offer_8bitmime=False)
        port = start_server(handler)
        app = create_app(
            replace(
                settings,
                smtp_url=f"smtp://{HOST}:{port}",
                mail_from="Rendezvous Büro <noreply@example.com>",
            )
        )
        with time_machine.travel(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), tick=False):
            async with serve_in_loop(app) as client:
                host = await hosts.create(
                    HostCreate(
                        email="asa@example.com",
                        slug="asa",
                        name="Åsa Ångström",
                        time_zone="Europe/Berlin",
                    )
                )
                await event_types.create(
                    host.id,
                    EventTypeCreate(title="Café-Gespräch", slug="cafe", duration_minutes=30),
                )
                response = await client.post(
                    "/api/v1/public/asa/cafe/bookings",
                    json={
                        "start": "2026-03-02T09:00:00Z",
                        "name": ZOE,
                        "email": "zoe@example.com",
                        "time_zone": "Europe/Vienna",
                        "notes": "Grüße aus Köln ☕",
                        "guests": ["juergen@bücher.de"],
                    },
                )
                assert response.status_code == 201, response.text
                await app.state.outbox.drain()

        by_recipient = {r.envelope.rcpt_tos[0]: r.message for r in handler.received}
        assert set(by_recipient) == {
            "zoe@example.com",
            "asa@example.com",
            "juergen@xn--bcher-kva.de",
        }
        for arrived in by_recipient.values():
            assert arrived["From"].addresses[0].display_name == "Rendezvous Büro"
            assert "Café-Gespräch" in arrived["Subject"]
            assert "Grüße aus Köln ☕" in text(arrived.get_body(("plain",)))
        invitee = by_recipient["zoe@example.com"]
        assert invitee["To"].addresses[0].display_name == ZOE
        assert invitee["Reply-To"].addresses[0].display_name == "Åsa Ångström"
        assert by_recipient["asa@example.com"]["Reply-To"].addresses[0].display_name == ZOE
        assert by_recipient["asa@example.com"]["Subject"].startswith(f"New booking: {ZOE} - ")
        assert {j["status"] for j in await outbox.jobs_of_kind("email")} == {"done"}


class TestPlanTransfer:
    def test_7bit_needs_nothing(self) -> None:
        data = serialise(international_mail())

        plan = plan_transfer(
            data,
            sender="noreply@example.com",
            recipients=["zoe@example.com"],
            smtputf8=False,
            eightbitmime=False,
        )

        assert (plan.data, plan.options) == (data, [])

    def test_an_8bit_body_is_declared_when_offered(self) -> None:
        made = EmailMessage()
        made["Subject"] = "Hi"
        made.set_content("Grüße\n")
        data = made.as_bytes(policy=policy.SMTP)
        assert not data.isascii()

        plan = plan_transfer(
            data, sender="a@example.com", recipients=["b@example.com"], smtputf8=False,
            eightbitmime=True,
        )  # fmt: skip

        assert (plan.data, plan.options) == (data, ["BODY=8BITMIME"])


class TestParseSmtpUrl:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("smtp://mail.example.com", SmtpEndpoint("mail.example.com", 25, "plain")),
            ("smtp://localhost:2525/", SmtpEndpoint("localhost", 2525, "plain")),
            (
                "smtp+starttls://relay.example.com",
                SmtpEndpoint("relay.example.com", 587, "starttls"),
            ),
            ("SMTPS://Relay.Example.com", SmtpEndpoint("relay.example.com", 465, "tls")),
            ("smtps://[::1]:1465", SmtpEndpoint("::1", 1465, "tls")),
            (
                f"smtp+starttls://{URL_CREDENTIALS}@relay.example.com:2587",
                SmtpEndpoint("relay.example.com", 2587, "starttls", USER, PASSWORD),
            ),
        ],
    )
    def test_valid(self, url: str, expected: SmtpEndpoint) -> None:
        assert parse_smtp_url(url) == expected

    @pytest.mark.parametrize(
        ("url", "problem"),
        [
            ("http://mail.example.com", "scheme must be smtp, smtp\\+starttls or smtps"),
            ("mail.example.com:25", "scheme"),
            ("smtp://", "no host"),
            ("smtp://:secret@", "no host"),
            ("smtp://mail.example.com:99999", "port"),
            ("smtp://mail.example.com:smtp", "port"),
            ("smtp://mail.example.com:0", "port"),
            ("smtp://mail.example.com/inbox", "path"),
            ("smtp://mail.example.com?tls=1", "query"),
            ("smtp://:secret@mail.example.com", "password but no user"),
            ("smtp://ada@mail.example.com", "user but no password"),
        ],
    )
    def test_invalid(self, url: str, problem: str) -> None:
        with pytest.raises(ValueError, match=problem) as caught:
            SmtpSender(url)

        assert "secret" not in str(caught.value)

    def test_password_stays_out_of_repr(self) -> None:
        sender = SmtpSender(f"smtp://{URL_CREDENTIALS}@mail.example.com")

        assert PASSWORD not in repr(sender)
        assert "p%40ss" not in repr(sender)
        assert USER in repr(sender)
