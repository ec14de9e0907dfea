"""The rules a user-supplied URL must pass before anything is resolved or dialled.

Pure. :func:`parse_url` turns text into a :class:`CheckedUrl`, whose parts are what
the client connects to and sends: the request is built from these parts, never from
the text again, so no second parser can read the URL differently from the check.

- **http and https only.** ``webcal://`` (how calendar apps link ICS feeds) is
  https; callers rewrite it with :func:`webcal_to_https` before it reaches here.
- **No credentials in the URL.** ``https://user:secret@host/`` is refused: a
  password in a URL ends up in logs and forms. A caller that accepts such URLs on
  purpose takes them out with :func:`split_credentials` and passes them as auth,
  which the client then keeps to the URL's own origin.
- **Any port but the Fetch standard's "bad ports".** Self-hosted CalDAV servers
  listen on all sorts of ports (Radicale 5232, 8443, 8080), and the address check,
  not the port, is what keeps internal services out of reach. The bad ports are
  the ones browsers refuse too (SMTP, IRC, FTP, ...): text protocols a crafted
  HTTP request can talk to, which would make this server a relay.
- **Host names a resolver can only read one way.** A host whose last label is a
  number is an IPv4 address in one of the forms ``inet_aton`` and browsers accept
  (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``); it is read here, as the
  WHATWG URL standard reads it, and never handed to DNS. Anything else must be a
  valid (IDNA) host name.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

import idna

from integrations.net.errors import InvalidUrl
from integrations.net.guard import IPAddress

__all__ = [
    "BAD_PORTS",
    "CheckedUrl",
    "host_address",
    "parse_url",
    "site_of",
    "split_credentials",
    "webcal_to_https",
]

#: https://fetch.spec.whatwg.org/#bad-port (2024, with 4190 and 6679).
BAD_PORTS: Final = frozenset(
    {
        0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79,
        87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
        139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540,
        548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
        3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679,
        6697, 10080,
    }
)  # fmt: skip

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_MAX_URL_LENGTH: Final = 4096
_HOST_NAME: Final = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_NUMBER_LABEL: Final = re.compile(r"[0-9]+|0x[0-9a-f]*", re.IGNORECASE)
# Characters a request target may carry as they are (RFC 3986 unreserved, sub-delims,
# ":", "@", "/", "?" and the "%" of escapes already there); the rest is %-encoded.
_TARGET_SAFE: Final = "/?:@!$&'()*+,;=-._~%"


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A URL that passed :func:`parse_url`. ``host`` is an A-label host name, or the
    address text when ``address`` is set (the URL named an address)."""

    scheme: Literal["http", "https"]
    host: str
    address: IPAddress | None
    port: int
    #: Path and query, %-encoded, as sent on the request line. Fragments are dropped.
    target: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def authority(self) -> str:
        """The ``Host`` header: brackets around IPv6, the port unless it is the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if _DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"

    @property
    def site(self) -> str:
        """``scheme://host[:port]``: how messages name a URL (see :func:`site_of`)."""
        return f"{self.scheme}://{self.authority}"

    def __str__(self) -> str:
        return f"{self.site}{self.target}"

    def join(self, reference: str) -> CheckedUrl:
        """Where a redirect's ``Location`` leads, checked by the same rules."""
        return parse_url(urljoin(str(self), reference.strip()))


def site_of(url: str) -> str:
    """``scheme://host[:port]`` of any URL text, for error messages and logs: the path
    and query of a feed URL are often its only secret (Google's ``private-...``
    path, tokens in Outlook's query), and messages end up in logs."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    except ValueError:
        return "the address"


def webcal_to_https(url: str) -> str:
    """``webcal://`` and ``webcals://`` are how calendar apps link a feed: https."""
    scheme, sep, rest = url.strip().partition("://")
    if sep and scheme.lower() in {"webcal", "webcals"}:
        return f"https://{rest}"
    return url.strip()


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``(url without user and password, (user, password) or None)``, for a caller that
    deliberately accepts ``https://user:secret@host/feed.ics`` (some ICS links do)."""
    parts = urlsplit(url.strip())
    if parts.username is None and parts.password is None:
        return url.strip(), None
    netloc = parts.netloc.rpartition("@")[2]
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, (unquote(parts.username or ""), unquote(parts.password or ""))


def parse_url(url: str) -> CheckedUrl:
    """Check ``url`` against the rules above; :class:`InvalidUrl` says which one failed."""
    text = url.strip()
    if len(text) > _MAX_URL_LENGTH:
        raise InvalidUrl(f"the address is longer than {_MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise InvalidUrl("the address contains spaces or control characters")
    try:
        parts = urlsplit(text)
        explicit_port = parts.port
    except ValueError as error:
        raise InvalidUrl(f"'{_shorten(text)}' is not a valid web address ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        if scheme in {"webcal", "webcals"}:
            raise InvalidUrl("webcal:// addresses must be rewritten to https:// first")
        shown = f"{scheme}://" if scheme else "no scheme"
        raise InvalidUrl(f"the address must start with http:// or https:// (it has {shown})")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl(
            "the address contains a user name or password: enter them in their own fields"
        )
    if not parts.hostname:
        raise InvalidUrl(f"'{_shorten(text)}' names no host")
    port = _DEFAULT_PORTS[scheme] if explicit_port is None else explicit_port
    if explicit_port is not None and port in BAD_PORTS:
        raise InvalidUrl(
            f"port {port} is reserved for another protocol, which this server does not "
            "speak HTTP to"
        )
    host, address = _host(parts.hostname, bracketed=parts.netloc.rpartition("@")[2].startswith("["))
    path = parts.path or "/"
    target = quote(path, safe=_TARGET_SAFE) + (
        f"?{quote(parts.query, safe=_TARGET_SAFE)}" if parts.query else ""
    )
    return CheckedUrl("https" if scheme == "https" else "http", host, address, port, target)


def host_address(host: str) -> IPAddress | None:
    """The address a host *string* names, in any form a resolver would read as one;
    ``None`` for a host name. :class:`InvalidUrl` for a number-like host that is not a
    valid address (``256.1.1.1``, ``1.2.3.4.5``): resolvers disagree about those."""
    text = host.strip("[]") if host.startswith("[") else host
    if ":" in text:
        return _ipv6(text)
    return _ipv4_number(text.lower())


def _host(hostname: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    if bracketed:
        address = _ipv6(hostname)
        return str(address), address
    if hostname.isascii():
        name = hostname.lower()
    else:
        # UTS 46 maps first, so fullwidth digits become an address below, as they do
        # in browsers, rather than a "name" a resolver would read as one anyway.
        try:
            name = idna.encode(hostname, uts46=True).decode("ascii").lower()
        except idna.IDNAError as error:
            raise InvalidUrl(f"'{hostname}' is not a valid host name ({error})") from None
    name = name.removesuffix(".")  # an absolute name; certificates never carry the dot
    numeric = _ipv4_number(name)
    if numeric is not None:
        return str(numeric), numeric
    if len(name) > 253 or not all(_HOST_NAME.fullmatch(label) for label in name.split(".")):
        raise InvalidUrl(f"'{hostname}' is not a valid host name")
    return name, None


def _ipv6(text: str) -> ipaddress.IPv6Address:
    if "%" in text:
        # A zone (fe80::1%eth0) names one of *our* interfaces: never a user's business.
        raise InvalidUrl(f"'{text}' carries an interface zone, which this server does not use")
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        raise InvalidUrl(f"'{text}' is not a valid IPv6 address") from None


def _ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """The WHATWG URL standard's IPv4 parser, which reads what ``inet_aton`` reads:
    one to four parts, each decimal, octal (leading 0) or hex (0x); the last part
    fills the bytes that are left."""
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # one trailing dot, as in "127.0.0.1."
    if not _NUMBER_LABEL.fullmatch(labels[-1]):
        return None  # a host name: its last label (the TLD) is never a number
    if len(labels) > 4:
        raise InvalidUrl(f"'{host}' is neither a host name nor an IPv4 address")
    numbers = []
    for label in labels:
        number = _ipv4_part(label) if label else None
        if number is None:
            raise InvalidUrl(f"'{host}' is neither a host name nor an IPv4 address")
        numbers.append(number)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise InvalidUrl(f"'{host}' is not a valid IPv4 address (a part is out of range)")
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _ipv4_part(label: str) -> int | None:
    if label[:2].lower() == "0x":
        digits, base = label[2:], 16
    elif len(label) > 1 and label.startswith("0"):
        digits, base = label[1:], 8
    else:
        digits, base = label, 10
    if digits == "":
        return 0  # "0x" alone is zero, as inet_aton and WHATWG read it
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def _shorten(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
