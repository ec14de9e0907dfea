"""What can go wrong fetching a URL a user supplied, typed so adapters can map each
to a calendar (or webhook) error, with messages a host can act on.

- :class:`UrlRefused` (422): refused before any connection, by rule.
  :class:`InvalidUrl` for the URL itself (scheme, syntax, credentials in it, port),
  :class:`AddressRefused` for where it leads (private, loopback, metadata ...),
  after DNS and after every redirect.
- :class:`FetchError` and the rest (502, timeouts 504): the server was allowed and
  tried, and the remote side failed: no such name, refused connection, a
  certificate that does not verify, too slow, too big, too many redirects, an
  error status.
"""

from __future__ import annotations

from typing import ClassVar

from booking.errors import DomainError

__all__ = [
    "AddressRefused",
    "BadResponse",
    "ConnectFailed",
    "FetchError",
    "HttpStatusError",
    "InvalidUrl",
    "RedirectRefused",
    "ResolutionFailed",
    "ResponseTooLarge",
    "TimedOut",
    "TlsFailed",
    "UrlRefused",
]


class FetchError(DomainError):
    """The base: a user-supplied URL could not be fetched."""

    status_code: ClassVar[int] = 502
    code: ClassVar[str] = "url-fetch-failed"
    title: ClassVar[str] = "The address could not be fetched"


class UrlRefused(FetchError):
    """Refused by rule, before or instead of connecting."""

    status_code = 422
    code = "url-refused"
    title = "The address is not allowed"


class InvalidUrl(UrlRefused):
    code = "url-invalid"
    title = "The address is not a valid web address"


class AddressRefused(UrlRefused):
    """The host name resolves (or a redirect leads) to an address this server does not
    connect to. ``operator_can_allow`` says whether ``ALLOW_PRIVATE_URLS=on`` would
    open it (a LAN address) or nothing would (a metadata service)."""

    code = "url-address-refused"
    title = "The address leads to a network this server does not fetch from"

    def __init__(
        self,
        *,
        host: str | None,
        address: str,
        reason: str,
        embedded: str | None = None,
        operator_can_allow: bool = False,
        redirected_from: str | None = None,
    ) -> None:
        if host is None:
            carried = f" (it carries {embedded})" if embedded else ""
            what = f"the address {address}{carried} is {reason}"
        else:
            carried = f", which carries {embedded}" if embedded else ""
            what = f"{host} resolves to {reason} ({address}{carried})"
        verb = "does not fetch" if operator_can_allow else "never fetches"
        detail = f"{what}: this server {verb} such addresses"
        if redirected_from is not None:
            detail = f"after a redirect from {redirected_from}, {detail}"
        super().__init__(detail, extra={"address": address})
        self.host = host
        self.address = address
        self.reason = reason
        self.operator_can_allow = operator_can_allow


class RedirectRefused(FetchError):
    """Too many redirects, a redirect from https to http, or to an unusable URL."""

    code = "url-redirect-refused"
    title = "The address redirects somewhere this server does not follow"


class ResolutionFailed(FetchError):
    code = "url-host-unknown"
    title = "The host name does not resolve"


class ConnectFailed(FetchError):
    code = "url-connect-failed"
    title = "The server could not be reached"


class TlsFailed(ConnectFailed):
    """The TLS handshake failed: most often a certificate that does not verify for the
    host name (expired, self-signed, issued for another name)."""

    code = "url-tls-failed"
    title = "The server's certificate could not be verified"


class TimedOut(FetchError):
    status_code = 504
    code = "url-timed-out"
    title = "The server did not answer in time"


class ResponseTooLarge(FetchError):
    code = "url-response-too-large"
    title = "The response is larger than this server accepts"

    def __init__(self, detail: str, *, limit: int) -> None:
        super().__init__(detail, extra={"limit_bytes": limit})
        self.limit = limit


class BadResponse(FetchError):
    """The server answered something that is not usable HTTP (broken framing, an
    unsupported or corrupt compression)."""

    code = "url-bad-response"
    title = "The server's answer could not be read"


class HttpStatusError(FetchError):
    """The server answered an error status; ``http_status`` says which, and
    ``retry_after`` (seconds) when it said when to try again."""

    code = "url-error-status"
    title = "The server answered with an error"

    def __init__(
        self, detail: str, *, http_status: int, url: str, retry_after: float | None = None
    ) -> None:
        extra: dict[str, object] = {"http_status": http_status}
        if retry_after is not None:
            extra["retry_after"] = retry_after
        super().__init__(detail, extra=extra)
        self.http_status = http_status
        self.url = url
        self.retry_after = retry_after
