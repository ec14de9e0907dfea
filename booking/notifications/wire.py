"""E-mail as it goes to an SMTP server: serialised once, in a form every relay takes.

The outbox stores a message as bytes before anyone knows which server will carry it,
so those bytes must need nothing from the server: no ``SMTPUTF8`` (RFC 6531/6532,
for UTF-8 in headers) and no ``BODY=8BITMIME`` (RFC 6152, for 8-bit bodies).
:func:`serialise` therefore writes

- every header as 7-bit ASCII: text that is printable ASCII stays readable, anything
  else becomes RFC 2047 encoded words (UTF-8, B or Q, whichever is shorter), at most
  75 characters each on lines of at most 76;
- every body part transfer-encoded (quoted-printable or base64), never ``8bit``;
- a domain that is not ASCII as its IDNA 2008 A-label (``xn--...``).

One thing has no 7-bit form: an address whose local part is not ASCII
(``zoë@example.com``). It stays UTF-8, in the header and the envelope, and such a
message can only go to a server that offers ``SMTPUTF8``; :func:`ascii_address`
says which addresses these are.

Why the headers are not left to ``email.policy.SMTP``: CPython 3.11's folder moves a
Subject of 70-78 characters whole onto a continuation line, which parses back with a
leading space; leaves a trailing space before a fold that precedes an encoded word,
doubling the space; and splits a display name into encoded words mid-word, which
Python's own parser reads back with a space inserted. The folder here breaks lines
only at spaces that are in the text, never before the first word, and keeps runs of
non-ASCII words in as few encoded words as fit.
"""

from __future__ import annotations

import binascii
import copy
import email
import re
import string
from collections.abc import Callable, Iterator
from email.charset import Charset
from email.encoders import encode_base64
from email.headerregistry import Address, AddressHeader, BaseHeader, UnstructuredHeader
from email.message import Message
from email.policy import EmailPolicy
from itertools import chain, repeat
from typing import Any, cast

import idna

__all__ = ["WIRE", "ascii_address", "reserialise", "serialise"]

#: RFC 5322 2.1.1: lines SHOULD stay within 78 characters.
_LINE = 78
#: RFC 2047 2: a line holding an encoded word is limited to 76 characters...
_EW_LINE = 76
#: ... and an encoded word to 75.
_EW = 75
_UTF8 = Charset("utf-8")
#: RFC 5322 3.2.3 atext: what may stand unquoted in a display name.
_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~")
_PRINTABLE = frozenset(chr(c) for c in range(0x21, 0x7F))
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def _text(value: str) -> str:
    """Undo the email parser's surrogate escapes: raw UTF-8 headers (RFC 6532) read
    from bytes arrive as lone surrogates, one per byte."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_word(word: str) -> bool:
    # "=?" would make a decoder take the word for an encoded word and change it.
    return bool(word) and all(c in _PRINTABLE for c in word) and "=?" not in word


def _is_atom(word: str) -> bool:
    return bool(word) and all(c in _ATEXT for c in word) and "=?" not in word


def _never(_word: str) -> bool:
    return False


def _encoded_words(text: str, first: int) -> list[str]:
    """``text`` as encoded words: the first at most ``first`` characters, the rest 75."""
    lengths: Iterator[int] = chain([max(first, 20)], repeat(_EW))
    return [word for word in _UTF8.header_encode_lines(text, lengths) if word is not None]


def _tokens(text: str, plain: Callable[[str], bool], first: int) -> list[str]:
    """``text`` as tokens to be joined by single spaces: the words ``plain`` accepts as
    they are, every run of other words (with the spaces inside it) as encoded words.

    ``first`` is the room for the first token on the header's first line.
    """
    words = text.split(" ")
    if not all(words):
        # Leading, trailing or repeated spaces: only an encoded word keeps them.
        words = [text]
        plain = _never
    tokens: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            tokens.extend(_encoded_words(" ".join(run), first if not tokens else _EW))
            run.clear()

    for word in words:
        room = first if not tokens and not run else _EW
        if plain(word) and len(word) <= room:
            flush()
            tokens.append(word)
        else:
            run.append(word)
    flush()
    return tokens


def _fold(name: str, tokens: list[str]) -> str:
    """``Name: tokens`` joined by spaces, a line broken only before a token (never the
    first): unfolding (RFC 5322 2.2.3) gives back exactly one space."""
    limit = _EW_LINE if any(t.startswith("=?") for t in tokens) else _LINE
    lines = [f"{name}:"]
    for index, token in enumerate(tokens):
        if index and len(lines[-1]) + 1 + len(token) > limit:
            lines.append("")
        lines[-1] += " " + token
    return "\r\n".join(lines) + "\r\n"


def ascii_address(address: str) -> str | None:
    """``address`` in ASCII (its domain as an IDNA A-label), or None when it has no
    ASCII form (a local part that is not ASCII, a domain IDNA refuses): then only an
    ``SMTPUTF8`` server accepts it."""
    local, at, domain = address.rpartition("@")
    if not at or not local.isascii():
        return None if not address.isascii() else address
    if domain.isascii():
        return address
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return None


def _addr_spec(address: Address) -> str:
    username, domain = _text(address.username), _text(address.domain)
    if username.isascii() and not domain.isascii():
        ascii_form = ascii_address(f"{username}@{domain}")
        if ascii_form is not None:
            domain = ascii_form.rpartition("@")[2]
    spec: str = Address(username=username, domain=domain).addr_spec
    return spec


def _phrase(display_name: str, first: int) -> list[str]:
    if display_name.isascii() and all(c == " " or c in _PRINTABLE for c in display_name):
        words = display_name.split(" ")
        if all(_is_atom(word) for word in words) and all(
            len(word) <= (first if i == 0 else _EW) for i, word in enumerate(words)
        ):
            return words
        # RFC 5322 quoted-string; the whole name one token, if it fits on a line.
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        if "=?" not in display_name and len(escaped) + 2 <= min(first, _EW):
            return [f'"{escaped}"']
    return _tokens(display_name, _is_atom, first)


def _fold_addresses(name: str, header: AddressHeader) -> str:
    tokens: list[str] = []
    addresses = header.addresses
    for index, address in enumerate(addresses):
        first = _EW_LINE - len(name) - 2 if not tokens else _EW
        spec = _addr_spec(address)
        display_name = _text(address.display_name)
        if display_name:
            tokens += [*_phrase(display_name, first), f"<{spec}>"]
        else:
            tokens.append(spec)
        if index < len(addresses) - 1:
            tokens[-1] += ","
    return _fold(name, tokens)


class _WirePolicy(EmailPolicy):
    """``email.policy.SMTP`` with 7-bit bodies, and the free-text headers (unstructured
    and address lists) written by this module instead of CPython's folder."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        header = value
        if not isinstance(value, BaseHeader):
            # Read from bytes (reserialise): one logical line, raw UTF-8 decoded.
            header = self.header_factory(name, _text(_LINE_BREAKS.sub("", str(value))))
        if isinstance(header, AddressHeader) and all(
            group.display_name is None for group in header.groups
        ):
            folded = _fold_addresses(name, header)
        elif isinstance(header, UnstructuredHeader):
            text = _text(str(header))
            folded = _fold(name, _tokens(text, _is_word, _EW_LINE - len(name) - 2))
        else:
            return super().fold_binary(name, header)
        # Only a non-ASCII local part can leave a byte above 127 here.
        return folded.encode("utf-8")


#: Pass to ``Message.as_bytes(policy=WIRE)``; :func:`serialise` does.
WIRE = _WirePolicy(linesep="\r\n", cte_type="7bit", utf8=False, max_line_length=_LINE)


def _is_8bit(part: Message) -> bool:
    if part.is_multipart():
        return False
    cte = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    payload = part.get_payload()
    return cte in ("8bit", "binary") or (isinstance(payload, str) and not payload.isascii())


def _transfer_encoded(message: Message) -> Message:
    """``message``, or a copy whose 8-bit parts are quoted-printable (text) or base64.

    The generator's ``cte_type="7bit"`` alone would re-encode only text parts that
    name their charset, and write any other 8-bit part as it is.
    """
    if not any(_is_8bit(part) for part in message.walk()):
        return message
    message = copy.deepcopy(message)
    for part in message.walk():
        if _is_8bit(part):
            del part["Content-Transfer-Encoding"]
            if part.get_content_maintype() == "text":
                data = cast(bytes, part.get_payload(decode=True))  # a leaf: bytes
                part.set_payload(binascii.b2a_qp(data).decode("ascii"))
                part["Content-Transfer-Encoding"] = "quoted-printable"
            else:
                encode_base64(part)
    return message


def serialise(message: Message) -> bytes:
    """The message as an SMTP server gets it: 7-bit, CRLF line ends (see module doc)."""
    return _transfer_encoded(message).as_bytes(policy=WIRE)


def reserialise(data: bytes) -> bytes:
    """Bytes serialised elsewhere (raw UTF-8 headers, 8-bit bodies), rewritten the way
    :func:`serialise` writes them. Headers keep their values (the Message-ID among
    them) and bodies their content; only encodings and folding change."""
    return serialise(email.message_from_bytes(data, policy=WIRE))
