"""The ``caldav`` library's HTTP, pinned and bounded like :mod:`.fetch`.

caldav 3.x does its synchronous HTTP with niquests (requests when niquests is
missing; caldav itself depends on niquests), through one ``niquests.Session`` per
``DAVClient`` (``client.session``). niquests takes a custom DNS resolver
(urllib3-future's ``BaseResolver``), and every connection it opens, redirects
included, asks that resolver: :class:`_PinnedResolver` answers with the addresses
:class:`.Pinner` checked, so the socket goes nowhere else, while TLS still verifies
the certificate against the URL's host name.

Use :func:`dav_client` rather than ``DAVClient`` for a host's server. It
also closes the doors around the session:

- RFC 6764 discovery is off: it looks up SRV and TXT records and fetches
  ``/.well-known/caldav`` with module-level ``niquests.get``, outside any session we
  control. The adapter gives caldav a full URL instead (``.well-known`` is then
  followed as an ordinary redirect, pinned).
- No proxies and no environment (``trust_env`` off): ``HTTPS_PROXY`` would dial the
  proxy, and ``.netrc`` would add credentials nobody gave us. No HTTP/3 (it
  would open UDP sockets from DNS HTTPS records) and no OCSP requests (niquests
  would fetch the responder a certificate names).
- At most 5 redirects; https -> http refused; on a redirect to another origin the
  Authorization header is dropped (niquests) and so is any auth hook that could
  answer the new host's 401 (Digest would, with a response derived from the
  password).
- Each response body stops at ``max_bytes`` and must arrive within
  ``total_timeout`` of its headers; ``connect_timeout`` bounds each connect and
  each wait for headers (niquests' timeouts are per operation).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import niquests
from caldav.davclient import DAVClient

from integrations.net.errors import (
    BadResponse,
    ConnectFailed,
    FetchError,
    InvalidUrl,
    RedirectRefused,
    ResponseTooLarge,
    TimedOut,
    TlsFailed,
)
from integrations.net.fetch import Limits
from integrations.net.guard import AddressPolicy
from integrations.net.pinning import Network, Pinner, SystemNetwork
from integrations.net.urls import parse_url, site_of

if TYPE_CHECKING:
    from urllib3_future.contrib.resolver import BaseResolver, ProtocolResolver
else:
    # niquests runs on whichever urllib3-future copy it found (installed as
    # "urllib3" or as "urllib3_future"); its alias module names the one it uses.
    from niquests.packages.urllib3.contrib.resolver import BaseResolver, ProtocolResolver

__all__ = ["PinnedSession", "dav_client"]

_CHUNK = 64 * 1024


def dav_client(
    url: str,
    policy: AddressPolicy,
    *,
    username: str | None = None,
    password: str | None = None,
    limits: Limits | None = None,
    network: Network | None = None,
    **options: Any,
) -> DAVClient:
    """A ``DAVClient`` for ``url`` whose every request is pinned and bounded.

    ``url`` passes the rules of :func:`.parse_url` (http or https, no credentials in
    it: give ``username`` and ``password``). ``options`` go to ``DAVClient``
    (``auth_type``, ``ssl_verify_cert``, ``features`` ...), except those that would
    bypass the session: ``proxy``, ``enable_rfc6764``, ``timeout``.
    """
    for name in ("proxy", "enable_rfc6764", "timeout"):
        if name in options:
            raise TypeError(f"dav_client() sets {name} itself")
    checked = parse_url(url)
    limits = limits or Limits()
    client = DAVClient(
        url=str(checked),
        username=username,
        password=password,
        enable_rfc6764=False,
        **options,
    )
    # DAVClient opened a plain session in __init__ (without any request yet);
    # every request goes through client.session, so swapping it pins them all.
    client.session.close()
    client.session = PinnedSession(policy, limits=limits, network=network)
    return client


class PinnedSession(niquests.Session):
    """A niquests session that connects only to checked addresses (see the module)."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        limits: Limits | None = None,
        network: Network | None = None,
    ) -> None:
        self.limits = limits or Limits()
        super().__init__(
            resolver=_PinnedResolver(Pinner(policy, network or SystemNetwork())),
            disable_http3=True,
            revocation_configuration=None,
            # (connect, read): a read waits at most the whole budget for headers.
            timeout=(self.limits.connect_timeout, self.limits.total_timeout),
        )
        self.trust_env = False
        self.max_redirects = self.limits.max_redirects
        self.hooks["response"].append(self._bound_body)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> niquests.Response:
        # caldav passes timeout=None when it was given none: keep ours then.
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if kwargs.get("proxies"):
            raise InvalidUrl("CalDAV requests never go through a proxy")
        try:
            return super().request(method, url, *args, **kwargs)
        except niquests.RequestException as error:
            raise _ours(error, site_of(url), self.limits) from None

    def rebuild_auth(
        self, prepared_request: niquests.PreparedRequest, response: niquests.Response
    ) -> None:
        old, new = response.request.url if response.request else None, prepared_request.url
        if old and new and old.startswith("https:") and new.startswith("http:"):
            raise RedirectRefused(
                f"{site_of(old)} redirects to {site_of(new)}, from https to plain http, "
                "which this server does not follow"
            )
        if old and new and self.should_strip_auth(old, new):
            # An auth object's response hook (Digest's 401 handler) would answer the
            # new origin's challenge with our credentials.
            hooks = prepared_request.hooks
            kept: list[Any] = [h for h in hooks["response"] if not _is_auth_hook(h)]
            hooks["response"] = kept
        super().rebuild_auth(prepared_request, response)

    def _bound_body(
        self, response: niquests.PreparedRequest | niquests.Response, **_: Any
    ) -> niquests.Response | None:
        if not isinstance(response, niquests.Response):
            return None
        declared = response.headers.get("Content-Length")
        url = site_of(response.url or "")
        if declared is not None and declared.isdigit() and int(declared) > self.limits.max_bytes:
            response.close()
            raise _too_large(url, self.limits.max_bytes)
        if response.raw is not None:
            response.raw = _BoundedBody(response.raw, url=url, limits=self.limits)
        return response


def _ours(error: niquests.RequestException, url: str, limits: Limits) -> FetchError:
    """niquests' failures as the same typed errors :class:`.Fetcher` raises, so a
    CalDAV adapter and an ICS adapter handle one hierarchy."""
    exceptions = niquests.exceptions
    if isinstance(error, exceptions.TooManyRedirects):
        return RedirectRefused(
            f"{url} redirects more than {limits.max_redirects} times; this server stops there"
        )
    if isinstance(error, exceptions.ConnectTimeout):
        return TimedOut(f"could not connect to {url} within {limits.connect_timeout:g} seconds")
    if isinstance(error, exceptions.Timeout):
        return TimedOut(f"{url} did not answer within {limits.total_timeout:g} seconds")
    if isinstance(error, exceptions.SSLError):
        return TlsFailed(f"the TLS connection to {url} failed ({_innermost(error)})")
    if isinstance(error, exceptions.ConnectionError):
        return ConnectFailed(f"could not connect to {url} ({_innermost(error)})")
    return BadResponse(f"{url} answered something that could not be read ({_innermost(error)})")


def _innermost(error: BaseException) -> str:
    """The root cause's words: niquests nests urllib3's errors several deep."""
    for _ in range(10):  # a bound: causes can, in principle, form a cycle
        inner = error.__cause__ or (error.args[0] if error.args else None)
        if not isinstance(inner, BaseException):
            break
        error = inner
    reason = getattr(error, "reason", None)
    return str(reason or error)


def _is_auth_hook(hook: object) -> bool:
    return isinstance(getattr(hook, "__self__", None), niquests.auth.AuthBase)


def _too_large(url: str, limit: int) -> ResponseTooLarge:
    megabytes = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return ResponseTooLarge(
        f"{url} sends more than {megabytes}, the most this server reads", limit=limit
    )


class _BoundedBody:
    """Stands in for urllib3's response: reads stop at the size limit and the deadline."""

    def __init__(self, raw: Any, *, url: str, limits: Limits) -> None:
        self._raw = raw
        self._url = url
        self._limits = limits
        self._seen = 0
        self._deadline = time.monotonic() + limits.total_timeout

    def read(
        self, amt: int | None = None, decode_content: bool | None = None, **kwargs: Any
    ) -> bytes:
        if amt is None:
            return b"".join(self.stream(_CHUNK, decode_content=decode_content))
        # read1 hands over what has arrived instead of waiting for amt bytes, so a
        # trickling body meets the deadline check between chunks.
        read1 = getattr(self._raw, "read1", None) if not kwargs else None
        if read1 is None:
            return self._count(self._raw.read(amt, decode_content=decode_content, **kwargs))
        return self._count(read1(amt, decode_content=decode_content))

    def stream(
        self, amt: int | None = _CHUNK, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        while chunk := self.read(amt or _CHUNK, decode_content=decode_content):
            yield chunk

    def _count(self, chunk: bytes) -> bytes:
        self._seen += len(chunk)
        if self._seen > self._limits.max_bytes:
            self._raw.close()
            raise _too_large(self._url, self._limits.max_bytes)
        if chunk and time.monotonic() > self._deadline:
            self._raw.close()
            raise TimedOut(
                f"{self._url} did not send its whole answer within "
                f"{self._limits.total_timeout:g} seconds"
            )
        return chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _PinnedResolver(BaseResolver):
    """niquests' DNS: the pinner's checked addresses, as ``getaddrinfo`` would list them."""

    protocol = ProtocolResolver.CUSTOM
    implementation = "rendezvous-pinned"

    def __init__(self, pinner: Pinner) -> None:
        super().__init__(None, None)
        self._pinner = pinner
        self._open = True

    def recycle(self) -> BaseResolver:
        return _PinnedResolver(self._pinner)

    def close(self) -> None:
        self._open = False

    def is_available(self) -> bool:
        return self._open

    def getaddrinfo(
        self,
        host: bytes | str | None,
        port: str | int | None,
        family: socket.AddressFamily,
        type: socket.SocketKind,
        proto: int = 0,
        flags: int = 0,
        *,
        quic_upgrade_via_dns_rr: bool = False,
    ) -> list[
        tuple[
            socket.AddressFamily,
            socket.SocketKind,
            int,
            str | bytes,
            tuple[str, int] | tuple[str, int, int, int],
        ]
    ]:
        if host is None:
            raise InvalidUrl("a CalDAV request named no host")
        name = host.decode("ascii") if isinstance(host, bytes) else host
        number = int(port or 0)
        answers: list[
            tuple[
                socket.AddressFamily,
                socket.SocketKind,
                int,
                str | bytes,
                tuple[str, int] | tuple[str, int, int, int],
            ]
        ] = []
        for address in self._pinner.addresses(name, number):
            dial_host, dial_port = self._pinner.network.route(address, number)
            if ipaddress.ip_address(dial_host).version == 6:
                if family not in (socket.AF_UNSPEC, socket.AF_INET6):
                    continue
                answers.append(
                    (
                        socket.AF_INET6,
                        socket.SOCK_STREAM,
                        socket.IPPROTO_TCP,
                        "",
                        (dial_host, dial_port, 0, 0),
                    )
                )
            elif family in (socket.AF_UNSPEC, socket.AF_INET):
                answers.append(
                    (
                        socket.AF_INET,
                        socket.SOCK_STREAM,
                        socket.IPPROTO_TCP,
                        "",
                        (dial_host, dial_port),
                    )
                )
        return answers
