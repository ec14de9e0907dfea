"""What the calendar integration needs from the composition root, built by ``web``
from settings and handed down (nothing here reads the environment)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from integrations.accounts.environment import AccountsEnvironment
from integrations.accounts.errors import ProviderError
from integrations.accounts.records import Account
from integrations.accounts.refresh import thread_refresher
from integrations.accounts.tokens import OAuthTokens
from integrations.calendars.provider import CalendarProvider, SyncWindow
from integrations.calendars.retry import RetryPolicy
from integrations.net.errors import FetchError
from integrations.net.fetch import Fetcher, Limits
from integrations.net.guard import AddressPolicy
from integrations.providers.caldav.client import CalDavProvider
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.oauth import GoogleApp
from integrations.providers.ics.feed import IcsFeedProvider
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.oauth import MicrosoftApp

__all__ = ["MICROSOFT_WEBHOOK_PATH", "WEBHOOK_PATH", "CalendarEnvironment"]

#: Where Google posts push notifications, below the public URL.
WEBHOOK_PATH = "/webhooks/google"
#: Where Microsoft Graph posts change notifications (and its validation requests).
MICROSOFT_WEBHOOK_PATH = "/webhooks/microsoft"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CalendarEnvironment(AccountsEnvironment):
    google: GoogleApp | None = None
    microsoft: MicrosoftApp | None = None
    #: Watch conflict calendars for changes (needs a public URL Google can reach).
    push: bool = False
    #: A calendar not synced successfully for this long is reported stale.
    stale_after: timedelta = timedelta(hours=1)
    window_back: timedelta = timedelta(days=30)
    window_ahead: timedelta = timedelta(days=365)
    #: Incremental sync never brings in events that entered the window only because
    #: time passed; once the window's far end moved this much, a full sync runs.
    window_slack: timedelta = timedelta(days=7)
    channel_lifetime: timedelta = timedelta(days=7)
    channel_renew_before: timedelta = timedelta(days=1)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: User-supplied URLs (ICS feeds) may reach private networks (ALLOW_PRIVATE_URLS).
    allow_private_urls: bool = False
    #: Time and size limits of every feed fetch.
    fetch_limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = _utcnow

    def window(self, now: datetime) -> SyncWindow:
        return SyncWindow(now - self.window_back, now + self.window_ahead)

    @property
    def webhook_address(self) -> str:
        return self.public_url.rstrip("/") + WEBHOOK_PATH

    def webhook_address_for(self, provider: str) -> str:
        """Where ``provider`` posts its change notifications."""
        if provider == "microsoft":
            return self.public_url.rstrip("/") + MICROSOFT_WEBHOOK_PATH
        return self.webhook_address

    def microsoft_app(self) -> MicrosoftApp:
        if self.microsoft is None:
            raise ProviderError("Microsoft 365 is not configured (MICROSOFT_CLIENT_ID).")
        return self.microsoft

    def google_app(self) -> GoogleApp:
        if self.google is None:
            raise ProviderError("Google is not configured (GOOGLE_CLIENT_ID).")
        return self.google

    def fetcher(self) -> Fetcher:
        return Fetcher(AddressPolicy(self.allow_private_urls), limits=self.fetch_limits)

    def ics_provider(self, url: str, name: str = "") -> IcsFeedProvider:
        """A feed's adapter; raises :class:`~integrations.net.errors.UrlRefused` for an
        address this server does not fetch (checked again at every fetch)."""
        return IcsFeedProvider(url, self.fetcher(), name=name)

    def caldav_provider(
        self, url: str, username: str, password: str, auth_type: str | None = None
    ) -> CalDavProvider:
        """A CalDAV account's adapter over the pinned session (ALLOW_PRIVATE_URLS
        decides whether the server may be on a private network); raises
        :class:`~integrations.net.errors.InvalidUrl` for an address that is not http(s)."""
        return CalDavProvider(
            url,
            username,
            password,
            AddressPolicy(self.allow_private_urls),
            limits=self.fetch_limits,
            auth_type=auth_type,
        )

    def provider(self, account: Account) -> CalendarProvider:
        """The adapter for a stored account. Call on the event loop: the adapter
        refreshes through the shared refresh (the account's cross-process lock), which
        stores the new tokens before the adapter sends its next request."""
        if account.provider == "ics":
            feed = self.vault.decrypt(account.credentials)
            try:
                return self.ics_provider(str(feed["url"]), account.display_name)
            except (FetchError, KeyError) as exc:
                raise ProviderError(f"the stored feed address is unusable: {exc}") from None
        if account.provider == "caldav":
            stored = self.vault.decrypt(account.credentials)
            try:
                return self.caldav_provider(
                    str(stored["url"]),
                    str(stored["username"]),
                    str(stored["password"]),
                    stored.get("auth_type"),
                )
            except (FetchError, KeyError) as exc:
                raise ProviderError(f"the stored CalDAV account is unusable: {exc}") from None
        tokens = OAuthTokens.from_dict(self.vault.decrypt(account.credentials))
        if account.provider == "microsoft":
            microsoft = self.microsoft_app()
            refresh = thread_refresher(self.vault, account.id, microsoft.refresh, microsoft.now)
            return MicrosoftCalendarProvider(microsoft, tokens, refresher=refresh)
        if account.provider != "google":
            raise ProviderError(f"unsupported calendar provider {account.provider!r}")
        app = self.google_app()
        refresher = thread_refresher(self.vault, account.id, app.refresh, app.now)
        return GoogleCalendarProvider(app, tokens, refresher=refresher)

    def revoke_grant(self, account: Account) -> None:
        """Revoke the account's stored grant at the provider. Blocking (run it in a
        thread); raises :class:`ProviderError` or :class:`VaultError`."""
        if account.provider in ("ics", "caldav"):
            # A feed address grants nothing; an app password is revoked by its owner
            # in their provider's settings (we forget ours with the account).
            return
        tokens = OAuthTokens.from_dict(self.vault.decrypt(account.credentials))
        if account.provider == "microsoft":
            self.microsoft_app().revoke(tokens)
            return
        if account.provider != "google":
            raise ProviderError(f"unsupported calendar provider {account.provider!r}")
        self.google_app().revoke(tokens.refresh_token)
