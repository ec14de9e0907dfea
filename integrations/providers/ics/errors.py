"""A failed feed fetch as the provider errors the sync engine acts on, worded for the
host who pasted the address (never showing the address itself: it is a secret)."""

from __future__ import annotations

from integrations.accounts import errors as provider
from integrations.net import errors as net

__all__ = ["translate"]


def translate(exc: net.FetchError) -> provider.ProviderError:
    detail = f"the calendar feed could not be read: {exc.detail}"
    if isinstance(exc, net.HttpStatusError):
        status = exc.http_status
        if status in (401, 403):
            # A secret feed address that was reset (Google's "reset private URL",
            # Outlook's "unpublish"): only the host can paste the new one.
            return provider.AuthExpired(
                f"{detail}. The feed's address may have been reset: add the new address.",
                http_status=status,
            )
        if status in (404, 410):
            return provider.RemoteNotFound(
                f"{detail}. The feed no longer exists at this address.", http_status=status
            )
        if status == 429:
            return provider.RateLimited(detail, retry_after=exc.retry_after, http_status=status)
        if status >= 500:
            return provider.Unavailable(detail, http_status=status)
        return provider.ProviderError(detail, http_status=status)
    if isinstance(exc, net.TlsFailed):
        return provider.ProviderError(detail)
    if isinstance(exc, net.ConnectFailed | net.TimedOut | net.ResolutionFailed):
        return provider.Unavailable(detail)
    if isinstance(exc, net.ResponseTooLarge | net.BadResponse):
        return provider.BadResponse(detail)
    # Refused by rule (the address, a redirect): nothing changes until the host or
    # the operator does.
    return provider.ProviderError(detail)
