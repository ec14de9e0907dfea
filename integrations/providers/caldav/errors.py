"""What the ``caldav`` library (and the pinned session under it) raises, as the
provider errors the sync engine acts on, worded for the host who typed the server's
address and app password."""

from __future__ import annotations

from caldav.elements import dav
from caldav.lib import error as dav_error

from integrations.accounts import errors as provider
from integrations.net import errors as net

__all__ = ["translate"]


def _status(exc: dav_error.DAVError) -> int | None:
    status = exc.status
    return status if isinstance(status, int) else None


def translate(
    exc: BaseException, server: str, *, forbidden_is_missing: bool = False
) -> provider.ProviderError:
    """``server`` names the server (its host), never the user name.

    ``forbidden_is_missing``: reading one calendar, a plain 403 means the account may
    no longer see it (unshared, or another user's): :class:`RemoteNotFound`.
    """
    if isinstance(exc, provider.ProviderError):
        return exc
    if isinstance(exc, dav_error.DAVError):
        if forbidden_is_missing and _status(exc) == 403 and not exc.preconditions:
            return provider.RemoteNotFound(
                f"the CalDAV server {server} does not let this account read the calendar "
                "(HTTP 403): it may have been deleted or unshared",
                http_status=403,
            )
        return _dav(exc, server)
    if isinstance(exc, net.FetchError):
        detail = f"the CalDAV server {server} could not be reached: {exc.detail}"
        if isinstance(exc, net.ConnectFailed | net.TimedOut | net.ResolutionFailed):
            return provider.Unavailable(detail)
        if isinstance(exc, net.ResponseTooLarge | net.BadResponse):
            return provider.BadResponse(detail)
        return provider.ProviderError(detail)
    # lxml's XMLSyntaxError is a SyntaxError: the caldav library parses with lxml.
    if isinstance(exc, SyntaxError):
        return provider.BadResponse(f"the CalDAV server {server} answered invalid XML ({exc})")
    # The caldav library's own checks on a strange answer (assertions, a missing
    # element, a value it cannot convert): a server we cannot read.
    return provider.BadResponse(
        f"the CalDAV server {server} answered something that could not be read "
        f"({type(exc).__name__}: {str(exc)[:200]})"
    )


def _dav(exc: dav_error.DAVError, server: str) -> provider.ProviderError:
    status = _status(exc)
    if dav.ValidSyncToken.tag in exc.preconditions:
        # RFC 6578 3.2: 403 (Radicale, Nextcloud) or 412 (Xandikos) DAV:valid-sync-token.
        return provider.SyncStateExpired(
            f"the CalDAV server {server} no longer accepts the saved sync token",
            http_status=status,
        )
    if isinstance(exc, dav_error.RateLimitError):
        if status == 429:
            return provider.RateLimited(
                f"the CalDAV server {server} asks to slow down",
                retry_after=exc.retry_after_seconds,
                http_status=status,
            )
        return provider.Unavailable(
            f"the CalDAV server {server} is unavailable (HTTP {status})", http_status=status
        )
    if status == 401:
        return provider.AuthExpired(
            f"the CalDAV server {server} refused the user name or app password: "
            "connect the account again with a valid app password",
            http_status=status,
        )
    if status == 403:
        return provider.ProviderError(
            f"the CalDAV server {server} forbids this account to read the calendar (HTTP 403)",
            http_status=status,
        )
    if isinstance(exc, dav_error.NotFoundError) or status in (404, 410):
        return provider.RemoteNotFound(
            f"not found on the CalDAV server {server} (it may have been deleted)",
            http_status=status,
        )
    if status == 412 or isinstance(exc, dav_error.ETagMismatchError):
        return provider.PreconditionFailed(
            f"the event changed on the CalDAV server {server} since it was read",
            http_status=status,
        )
    if status is not None and status >= 500:
        return provider.Unavailable(
            f"the CalDAV server {server} failed (HTTP {status}); it will be tried again",
            http_status=status,
        )
    return provider.ProviderError(
        f"the CalDAV server {server} refused the request"
        + (f" (HTTP {status})" if status else f": {exc.reason}"),
        http_status=status,
    )
