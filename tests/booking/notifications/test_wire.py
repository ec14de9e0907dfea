"""The wire form of e-mails: 7-bit, RFC 2047 headers, and values that parse back."""

from __future__ import annotations

import email
import re
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.notifications.ics import clean_line
from booking.notifications.wire import ascii_address, reserialise, serialise

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def message(
    subject: str = "Hi", name: str = "Zoë Müller", to: str = "zoe@example.com"
) -> EmailMessage:
    made = EmailMessage()
    made["From"] = "Rendezvous Büro <noreply@example.com>"
    username, _, domain = to.rpartition("@")
    made["To"] = Address(display_name=name, username=username, domain=domain)
    made["Subject"] = subject
    made["Message-ID"] = "<1.2.3@rendezvous>"
    made.set_content("Grüße aus Köln\n")  # the email package's default for this: 8bit
    return made


def head_of(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text(part: EmailMessage) -> str:
    # Parsed from the wire, text keeps its CRLF line ends.
    return str(part.get_content()).replace("\r\n", "\n")


def assert_wire_shape(data: bytes) -> None:
    """7-bit; lines within RFC 5322's 78, within RFC 2047's 76 where an encoded word
    is, and no encoded word longer than 75."""
    assert data.isascii()
    for line in head_of(data).split(b"\r\n"):
        assert len(line) <= (76 if ENCODED_WORD.search(line) else 78), line
    assert all(len(word) <= 75 for word in ENCODED_WORD.findall(head_of(data)))


def raw_header(data: bytes, name: str) -> str:
    """A header's value as written, unfolded (RFC 5322 2.2.3: remove each CRLF)."""
    unfolded = head_of(data).decode("ascii").replace("\r\n ", " ")
    [line] = [h for h in unfolded.split("\r\n") if h.lower().startswith(name.lower() + ":")]
    return line.split(":", 1)[1].removeprefix(" ")


def rfc2047_phrase(value: str) -> str:
    """A display name decoded the RFC 2047 way (the space between two adjacent encoded
    words dropped, 6.2), which Python's address parser does not do."""
    phrase = value.rsplit(" <", 1)[0]
    if phrase.startswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(make_header(decode_header(phrase)))


class TestHeaders:
    @pytest.mark.parametrize("length", range(60, 100))
    @pytest.mark.parametrize("word", ["Meeting", "Zoë"])
    def test_subjects_around_a_line_parse_back_unchanged(self, length: int, word: str) -> None:
        # CPython's own folder moves a 70-78 character Subject onto a continuation
        # line, and it reads back with a leading space.
        subject = ("Confirmed: " + f"{word} with Ada Lovelace on Tue " * 5)[:length].strip()
        data = serialise(message(subject))

        assert_wire_shape(data)
        assert parse(data)["Subject"] == subject
        assert head_of(data).split(b"\r\n")[0] != b"Subject:"

    def test_ascii_stays_readable_and_the_rest_is_encoded(self) -> None:
        data = serialise(message("Confirmed: Intro with Zoë Müller"))

        assert raw_header(data, "Subject").startswith("Confirmed: Intro with =?utf-8?")
        assert raw_header(data, "From").startswith("Rendezvous =?utf-8?")
        assert raw_header(data, "From").endswith(" <noreply@example.com>")
        assert raw_header(data, "Message-ID") == "<1.2.3@rendezvous>"

    @pytest.mark.parametrize(
        "name",
        [
            "Zoë Müller",
            'Jürgen Müller, "JM"',
            "Grace M. Hopper",
            'O\'Brien "the \\ engineer"',
            "山田 太郎",
            "Ada =?utf-8?q?x?= Lovelace",
            "Zoë-Ångström Lévy-Müller von und zu Hohenzollern-Sigmaringen",
        ],
    )
    def test_display_names_parse_back(self, name: str) -> None:
        data = serialise(message(name=name))

        assert_wire_shape(data)
        [to] = parse(data)["To"].addresses
        assert (to.display_name, to.addr_spec) == (name, "zoe@example.com")
        assert rfc2047_phrase(raw_header(data, "To")) == name

    def test_a_domain_goes_as_its_a_label_and_a_local_part_stays_utf8(self) -> None:
        idn = serialise(message(to="grace@straße.de"))
        eai = serialise(message(to="zoë@example.com"))

        assert_wire_shape(idn)
        # IDNA 2008 (UTS 46), not Python's IDNA 2003 codec, which makes ß "ss".
        assert raw_header(idn, "To").endswith(" <grace@xn--strae-oqa.de>")
        assert not head_of(eai).isascii(), "no 7-bit form exists; it needs SMTPUTF8"
        assert "<zoë@example.com>".encode() in head_of(eai)
        assert b"=?utf-8?" in head_of(eai), "the display name is still encoded"

    def test_ascii_address(self) -> None:
        assert ascii_address("ada@example.com") == "ada@example.com"
        assert ascii_address("ada@bücher.de") == "ada@xn--bcher-kva.de"
        assert ascii_address("zoë@example.com") is None
        assert ascii_address("ada@bad..bücher") is None

    @settings(max_examples=300, deadline=None)
    @given(
        subject=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300),
        name=st.text(st.characters(exclude_categories=("Cs",)), max_size=120),
    )
    def test_any_text_goes_7bit_and_comes_back(self, subject: str, name: str) -> None:
        # What compose() puts in headers: one line, single spaces.
        subject, name = clean_line(subject) or "x", clean_line(name)
        data = serialise(message(subject, name))

        assert_wire_shape(data)
        assert parse(data)["Subject"] == subject
        [to] = parse(data)["To"].addresses
        assert to.addr_spec == "zoe@example.com"
        if name:
            assert rfc2047_phrase(raw_header(data, "To")) == name


class TestBodies:
    def test_8bit_parts_are_transfer_encoded(self) -> None:
        made = message()
        made.add_attachment(
            "Zoë\n".encode(), maintype="text", subtype="plain", cte="8bit", filename="z.txt"
        )
        data = serialise(made)

        assert data.isascii()
        parsed = parse(data)
        body = parsed.get_body(("plain",))
        assert body is not None
        assert text(body) == "Grüße aus Köln\n"
        [attachment] = parsed.iter_attachments()
        # Text travels with CRLF line ends, its canonical form (RFC 2046 4.1.1).
        assert attachment.get_payload(decode=True) == "Zoë\r\n".encode()

    @pytest.mark.parametrize(
        "filename", ["Übersicht für Zoë.pdf", "Einladung für Zoë Müller und Jürgen " * 3 + ".pdf"]
    )
    def test_non_ascii_attachment_names(self, filename: str) -> None:
        made = message()
        made.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=filename)
        data = serialise(made)

        assert_wire_shape(data)
        [attachment] = parse(data).iter_attachments()
        assert attachment.get_filename() == filename


class TestReserialise:
    def test_raw_utf8_is_rewritten_with_the_same_values(self) -> None:
        made = message("Confirmed: Intro with Zoë")
        legacy = made.as_bytes(policy=policy.SMTPUTF8)
        assert not head_of(legacy).isascii()

        data = reserialise(legacy)

        assert_wire_shape(data)
        parsed = parse(data)
        assert parsed["Subject"] == "Confirmed: Intro with Zoë"
        assert parsed["Message-ID"] == "<1.2.3@rendezvous>"
        assert parsed["From"].addresses[0].display_name == "Rendezvous Büro"
        assert parsed["To"].addresses[0].display_name == "Zoë Müller"
        assert text(parsed) == "Grüße aus Köln\n"

    def test_a_7bit_message_comes_back_the_same(self) -> None:
        data = serialise(message("Confirmed: Intro with Zoë"))

        assert parse(reserialise(data))["Subject"] == parse(data)["Subject"]
        assert reserialise(data).split(b"\r\n\r\n", 1)[1] == data.split(b"\r\n\r\n", 1)[1]
