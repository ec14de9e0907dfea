"""GET a user-supplied URL: pinned to checked addresses, within time and size limits,
following at most a few redirects, with conditional GET for feeds.

Built on httpcore (the engine under httpx) because it lets us supply the network
backend, the one place every connection is opened: :class:`_PinnedBackend` dials the
addresses :class:`.Pinner` checked, while TLS is still verified against the host
*name* (httpcore hands the URL's host to the handshake). Redirects, decompression
and size limits are ours, so each can be bounded.

Redirect rules: at most ``max_redirects`` (5); each target passes :func:`.parse_url`
and the address policy before it is dialled; https -> http is refused (a network
attacker could then read the feed and the credentials meant for it); credentials
(``auth``) go only to the first URL's origin, or its https upgrade on the same host.
"""

from __future__ import annotations

import base64
import contextlib
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

import httpcore

from integrations.net.errors import (
    BadResponse,
    ConnectFailed,
    FetchError,
    HttpStatusError,
    InvalidUrl,
    RedirectRefused,
    ResponseTooLarge,
    TimedOut,
    TlsFailed,
)
from integrations.net.guard import AddressPolicy
from integrations.net.pinning import Network, Pinner, SystemNetwork
from integrations.net.urls import CheckedUrl, parse_url

__all__ = ["Fetched", "Fetcher", "Limits"]

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_USER_AGENT: Final = "Rendezvous (calendar feed fetcher)"


@dataclass(frozen=True, slots=True)
class Limits:
    #: Seconds for each TCP connect and TLS handshake.
    connect_timeout: float = 10.0
    #: Seconds for the whole fetch, redirects and body included: a server that sends
    #: one byte every few seconds is cut off too, not only one that goes silent.
    total_timeout: float = 30.0
    #: Bytes of body, after decompression (and on the wire): reading stops there.
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 2xx answer's body, or a 304 (``not_modified``, empty body)."""

    #: Where the answer came from, after redirects.
    url: str
    status: int
    body: bytes
    content_type: str | None
    #: Validators to send next time (``etag=``, ``last_modified=``).
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """GETs user-supplied URLs under one address policy. Thread-safe: every call has
    its own connections and its own pins (DNS answers are not kept between calls)."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        limits: Limits | None = None,
        network: Network | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = _USER_AGENT,
    ) -> None:
        self.policy = policy
        self.limits = limits or Limits()
        self._network = network or SystemNetwork()
        # certifi's bundle, as httpx and requests use: the same on every machine.
        self._ssl_context = ssl_context or httpcore.default_ssl_context()
        self._user_agent = user_agent

    def get(
        self,
        url: str,
        *,
        auth: tuple[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        limits: Limits | None = None,
    ) -> Fetched:
        """GET ``url`` (http or https; see :mod:`.urls`). With ``etag`` or
        ``last_modified`` from a previous :class:`Fetched`, an unchanged resource
        answers 304 (``not_modified``). Raises a :class:`.FetchError`."""
        limits = limits or self.limits
        first = parse_url(url)
        deadline = _Deadline(time.monotonic() + limits.total_timeout)
        pinner = Pinner(self.policy, self._network)
        backend = _PinnedBackend(pinner, deadline)
        headers = [
            (b"User-Agent", self._user_agent.encode()),
            (b"Accept", accept.encode("latin-1")),
            (b"Accept-Encoding", b"gzip, deflate"),
        ]
        if etag is not None:
            headers.append((b"If-None-Match", etag.encode("latin-1")))
        if last_modified is not None:
            headers.append((b"If-Modified-Since", last_modified.encode("latin-1")))
        with httpcore.ConnectionPool(
            ssl_context=self._ssl_context, network_backend=backend, retries=0
        ) as pool:
            current, previous = first, None
            for _hop in range(limits.max_redirects + 1):
                # Resolved and checked here, with the redirect named in any refusal;
                # the connection below dials exactly these addresses.
                pinner.addresses(
                    current.host,
                    current.port,
                    redirected_from=None if previous is None else previous.site,
                )
                hop_headers = [(b"Host", current.authority.encode("ascii")), *headers]
                if auth is not None and _same_site(first, current):
                    hop_headers.append((b"Authorization", _basic(auth)))
                with _errors(current, limits, deadline):
                    result = self._exchange(pool, current, hop_headers, limits)
                if isinstance(result, Fetched):
                    return result
                previous, current = current, _follow(current, result)
        raise RedirectRefused(
            f"{first.site} redirects more than {limits.max_redirects} times; "
            "this server stops there"
        )

    def _exchange(
        self,
        pool: httpcore.ConnectionPool,
        url: CheckedUrl,
        headers: list[tuple[bytes, bytes]],
        limits: Limits,
    ) -> Fetched | str:
        """One request: the answer, or the ``Location`` of a redirect."""
        request_url = httpcore.URL(
            scheme=url.scheme.encode(),
            host=url.host.encode("ascii"),
            port=url.port,
            target=url.target.encode("ascii"),
        )
        timeouts = {
            "connect": min(limits.connect_timeout, limits.total_timeout),
            "read": limits.total_timeout,
            "write": limits.total_timeout,
            "pool": limits.total_timeout,
        }
        with pool.stream(
            "GET", request_url, headers=headers, extensions={"timeout": timeouts}
        ) as response:
            fields = _Headers(response.headers)
            status = response.status
            if status in _REDIRECTS:
                location = fields.get("location")
                if location is None:
                    raise BadResponse(
                        f"{url.site} answered {status}, a redirect, without a Location"
                    )
                return location
            if status == 304 or 200 <= status < 300:
                body = b"" if status == 304 else _read_body(response, fields, url, limits)
                return Fetched(
                    url=str(url),
                    status=status,
                    body=body,
                    content_type=fields.get("content-type"),
                    etag=fields.get("etag"),
                    last_modified=fields.get("last-modified"),
                )
            reason = response.extensions.get("reason_phrase", b"").decode("latin-1")
            raise HttpStatusError(
                f"{url.site} answered {status} {reason}".rstrip(),
                http_status=status,
                url=str(url),
                retry_after=_retry_after(fields.get("retry-after")),
            )


def _follow(current: CheckedUrl, location: str) -> CheckedUrl:
    try:
        target = current.join(location)
    except InvalidUrl as error:
        raise RedirectRefused(f"{current.site} redirects to an unusable address: {error}") from None
    if current.scheme == "https" and target.scheme == "http":
        raise RedirectRefused(
            f"{current.site} redirects to {target.site}, from https to plain http, "
            "which this server does not follow"
        )
    return target


def _same_site(first: CheckedUrl, current: CheckedUrl) -> bool:
    """Credentials may go here: the first URL's origin, or its https upgrade."""
    if current.origin == first.origin:
        return True
    return (
        first.scheme == "http"
        and first.port == 80
        and current.scheme == "https"
        and current.port == 443
        and current.host == first.host
    )


def _basic(auth: tuple[str, str]) -> bytes:
    user, password = auth
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


class _Headers:
    def __init__(self, raw: Iterable[tuple[bytes, bytes]]) -> None:
        self._fields: dict[str, str] = {}
        for name, value in raw:
            # The first of repeated fields; none we read may repeat.
            self._fields.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))

    def get(self, name: str) -> str | None:
        return self._fields.get(name)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_body(
    response: httpcore.Response, fields: _Headers, url: CheckedUrl, limits: Limits
) -> bytes:
    limit = limits.max_bytes
    declared = fields.get("content-length")
    try:
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise _Overflow
        decoder = _decoder(fields.get("content-encoding"), url)
        body = bytearray()
        wire = 0
        stream = response.stream
        if not isinstance(stream, Iterable):  # an async stream: never from a sync pool
            raise TypeError("a synchronous response has a synchronous body")
        for chunk in stream:
            wire += len(chunk)
            if wire > limit:
                raise _Overflow
            body += decoder.feed(chunk, room=limit - len(body))
        body += decoder.feed(b"", room=limit - len(body), final=True)
    except _Overflow:
        raise ResponseTooLarge(
            f"{url.site} sends more than {_size(limit)}, the most this server reads", limit=limit
        ) from None
    return bytes(body)


class _Overflow(Exception):
    pass


class _Identity:
    def feed(self, data: bytes, *, room: int, final: bool = False) -> bytes:
        return data


class _Inflate:
    """zlib with a cap on the output of each call: a small gzip bomb never becomes
    gigabytes in memory, it stops one byte past the limit."""

    def __init__(self, url: CheckedUrl, *, gzip: bool) -> None:
        self._url = url
        self._raw_fallback = not gzip  # "deflate" is zlib-wrapped, or raw from old IIS
        self._started = False
        self._z = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes, *, room: int, final: bool = False) -> bytes:
        try:
            # At most room + 1 bytes: one past the limit is enough to know.
            out = self._z.decompress(data, room + 1) if data else b""
            if final:
                out += self._z.flush()
        except zlib.error:
            if self._raw_fallback and not self._started:
                self._raw_fallback = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room=room, final=final)
            raise BadResponse(f"{self._url.site} sent a corrupt compressed answer") from None
        self._started = self._started or bool(data)
        if len(out) > room:
            raise _Overflow
        return out


def _decoder(encoding: str | None, url: CheckedUrl) -> _Identity | _Inflate:
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if codings in (["gzip"], ["x-gzip"]):
        return _Inflate(url, gzip=True)
    if codings == ["deflate"]:
        return _Inflate(url, gzip=False)
    raise BadResponse(
        f"{url.site} sent its answer encoded as '{', '.join(codings)}', which this server does "
        "not read (it asks for gzip or deflate)"
    )


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    return f"{limit} bytes"


@dataclass(slots=True)
class _Deadline:
    at: float

    def clamp(self, timeout: float | None, error: type[Exception]) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise error("the time allowed for this fetch ran out")
        return left if timeout is None else min(timeout, left)

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.at


class _PinnedBackend(httpcore.NetworkBackend):
    """Opens every connection of a fetch: to the pinned addresses only, and never
    past the deadline."""

    def __init__(self, pinner: Pinner, deadline: _Deadline) -> None:
        self._pinner = pinner
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in self._pinner.addresses(host, port):
            dial_host, dial_port = self._pinner.network.route(address, port)
            try:
                stream = self._sockets.connect_tcp(
                    dial_host,
                    dial_port,
                    timeout=self._deadline.clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                failure = error  # refused or unreachable: the next address may answer
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure or httpcore.ConnectError(f"{host} has no address to connect to")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("user-supplied URLs never reach a unix socket")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the fetch has left."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


@contextlib.contextmanager
def _errors(url: CheckedUrl, limits: Limits, deadline: _Deadline) -> Iterator[None]:
    """httpcore's exceptions as ours, worded for the host who typed the URL."""
    where = f"{url.host}:{url.port}" if url.address is None else url.authority
    try:
        yield
    except FetchError:
        raise
    except httpcore.TimeoutException as error:
        if isinstance(error, httpcore.ConnectTimeout) and not deadline.passed:
            raise TimedOut(
                f"could not connect to {where} within {limits.connect_timeout:g} seconds"
            ) from None
        raise TimedOut(
            f"{url.site} did not answer completely within {limits.total_timeout:g} seconds"
        ) from None
    except httpcore.ConnectError as error:
        # httpcore wraps the socket's error as the first argument (the pool re-raises
        # "from None", which drops __cause__).
        cause = error.args[0] if error.args else None
        if isinstance(cause, ssl.SSLCertVerificationError):
            raise TlsFailed(
                f"the certificate of {url.host} could not be verified ({cause.verify_message})"
            ) from None
        if isinstance(cause, ssl.SSLError):
            raise TlsFailed(f"the TLS handshake with {where} failed ({cause.reason})") from None
        reason = getattr(cause, "strerror", None) or str(error) or "no answer"
        raise ConnectFailed(f"could not connect to {where} ({reason})") from None
    except (httpcore.ReadError, httpcore.WriteError):
        raise ConnectFailed(f"the connection to {where} broke off mid-answer") from None
    except httpcore.ProtocolError as error:
        raise BadResponse(
            f"{url.site} answered something that is not valid HTTP ({error})"
        ) from None
