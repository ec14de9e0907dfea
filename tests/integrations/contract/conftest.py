"""One harness per provider adapter. A new adapter (Microsoft, CalDAV, ICS) joins the
contract suite by adding a param to ``harness`` and a class like GoogleHarness."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

import pytest

from integrations.accounts.tokens import OAuthTokens
from integrations.calendars.provider import CalendarProvider
from integrations.net.fetch import Fetcher
from integrations.net.guard import AddressPolicy
from integrations.providers.caldav.client import CalDavProvider
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.ics.feed import IcsFeedProvider
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from tests.emulators.google import GoogleCalendarEmulator
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.calendars.helpers import google_app
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale
from tests.integrations.providers.ics.feedserver import FeedServer
from tests.integrations.providers.microsoft.helpers import (
    consent_tokens,
    microsoft_app,
    validation_receiver,
)

Fault = Literal["auth", "rate", "unavailable"]


class Harness(Protocol):
    """The provider under test, and the hands of its user in the provider's own UI."""

    provider: CalendarProvider
    calendar_id: str
    #: An address that accepts push notifications, or None if the provider has no push.
    push_address: str | None
    #: Nothing can be written through it (ICS feeds); writes are refused.
    read_only: bool

    def seed(self, summary: str, start: datetime, end: datetime) -> str: ...
    def edit(self, remote_id: str, summary: str) -> None: ...
    def remove(self, remote_id: str) -> None: ...
    def expire_sync_state(self) -> None: ...
    def fail_next(self, fault: Fault, retry_after: int | None = None) -> None: ...


@dataclass
class GoogleHarness:
    google: GoogleCalendarEmulator
    provider: CalendarProvider
    calendar_id: str = "contract@example.com"
    push_address: str | None = "http://127.0.0.1:9/webhooks/google"
    read_only: bool = False

    def seed(self, summary: str, start: datetime, end: datetime) -> str:
        return str(
            self.google.add_event(self.calendar_id, summary=summary, start=start, end=end)["id"]
        )

    def edit(self, remote_id: str, summary: str) -> None:
        self.google.edit_event(self.calendar_id, remote_id, summary=summary)

    def remove(self, remote_id: str) -> None:
        self.google.delete_event(self.calendar_id, remote_id)

    def expire_sync_state(self) -> None:
        self.google.expire_sync_tokens()

    def fail_next(self, fault: Fault, retry_after: int | None = None) -> None:
        if fault == "auth":
            self.google.revoke_refresh_token()
            self.google.expire_access_tokens()
        elif fault == "rate":
            self.google.fail_next(1, 429, "rateLimitExceeded", retry_after=retry_after)
        else:
            self.google.fail_next(1, 503, "backendError")


@dataclass
class IcsHarness:
    """A feed over local HTTP; its "user" is the publisher editing the calendar."""

    feed: FeedServer
    provider: IcsFeedProvider
    push_address: str | None = None
    read_only: bool = True

    @property
    def calendar_id(self) -> str:
        return self.provider.calendar_id

    def seed(self, summary: str, start: datetime, end: datetime) -> str:
        return self.feed.add(summary, start, end)

    def edit(self, remote_id: str, summary: str) -> None:
        self.feed.rename(remote_id, summary)

    def remove(self, remote_id: str) -> None:
        del self.feed.events[remote_id]

    def expire_sync_state(self) -> None:
        # A feed's state is ours; what ends it is the feed moving to another address.
        self.feed.move("/calendars/moved/basic.ics")

    def fail_next(self, fault: Fault, retry_after: int | None = None) -> None:
        if fault == "auth":
            self.feed.fail_next(403)  # the secret address was reset
        elif fault == "rate":
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            self.feed.fail_next(429, headers)
        else:
            self.feed.fail_next(503)


@dataclass
class CalDavHarness:
    """A real Radicale; its "user" edits through Radicale as a phone app would. The
    faults are real where Radicale can make them (a changed password, a forgotten
    sync token) and injected by the front before it otherwise (429, 503)."""

    dav: Radicale
    provider: CalDavProvider
    push_address: str | None = None
    read_only: bool = False

    @property
    def calendar_id(self) -> str:
        return self.dav.url.rstrip("/") + self.dav.calendar_path()

    def seed(self, summary: str, start: datetime, end: datetime) -> str:
        return self.dav.add(summary, start, end)

    def edit(self, remote_id: str, summary: str) -> None:
        self.dav.rename(remote_id, summary)

    def remove(self, remote_id: str) -> None:
        self.dav.delete(remote_id)

    def expire_sync_state(self) -> None:
        # Radicale drops old token histories (its cache cleanup) and answers a token
        # it cannot compare with 403 valid-sync-token, once the calendar changed.
        self.dav.forget_sync_tokens()
        self.dav.add("Changed meanwhile", datetime(2030, 1, 1, 9), datetime(2030, 1, 1, 10))

    def fail_next(self, fault: Fault, retry_after: int | None = None) -> None:
        if fault == "auth":
            self.dav.change_password("a-new-app-password")
        elif fault == "rate":
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            self.dav.fail_next(429, headers)
        else:
            self.dav.fail_next(503)


@dataclass
class MicrosoftHarness:
    ms: MicrosoftGraphEmulator
    provider: CalendarProvider
    calendar_id: str
    #: A live receiver: Graph validates the URL before it creates a subscription.
    push_address: str | None
    read_only: bool = False

    def seed(self, summary: str, start: datetime, end: datetime) -> str:
        return str(self.ms.add_event(self.calendar_id, subject=summary, start=start, end=end)["id"])

    def edit(self, remote_id: str, summary: str) -> None:
        self.ms.edit_event(remote_id, subject=summary)

    def remove(self, remote_id: str) -> None:
        self.ms.delete_event(remote_id)

    def expire_sync_state(self) -> None:
        self.ms.expire_delta_tokens()

    def fail_next(self, fault: Fault, retry_after: int | None = None) -> None:
        if fault == "auth":
            self.ms.revoke_refresh_token()
            self.ms.expire_access_tokens()
        elif fault == "rate":
            self.ms.fail_next(1, 429, retry_after=retry_after)
        else:
            self.ms.fail_next(1, 503)


@pytest.fixture(params=["google", "microsoft", "ics", "caldav"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "google":
        with GoogleCalendarEmulator(user_email="contract@example.com") as google:
            app = google_app(google)
            tokens = google.issue_tokens()
            provider = GoogleCalendarProvider(
                app,
                OAuthTokens(
                    tokens["access_token"],
                    tokens["refresh_token"],
                    app.now() + timedelta(seconds=tokens["expires_in"]),
                    tokens["scope"],
                ),
            )
            yield GoogleHarness(google, provider)
    elif request.param == "microsoft":
        with ExitStack() as stack:
            ms = stack.enter_context(MicrosoftGraphEmulator(user_email="contract@example.com"))
            receiver = stack.enter_context(validation_receiver())
            app = microsoft_app(ms)
            # The grant the host gives for two-way sync (the contract writes too).
            tokens = consent_tokens(ms, app, ("Calendars.ReadWrite",))
            yield MicrosoftHarness(
                ms, MicrosoftCalendarProvider(app, tokens), ms.default_calendar_id, receiver.url
            )
    elif request.param == "ics":
        feed = FeedServer()
        try:
            fetcher = Fetcher(AddressPolicy(allow_private=True))
            yield IcsHarness(feed, IcsFeedProvider(feed.url, fetcher))
        finally:
            feed.close()
    elif request.param == "caldav":
        folder = Path(request.getfixturevalue("tmp_path")) / "radicale"
        with Radicale(folder) as dav:
            provider = CalDavProvider(dav.url, USER, PASSWORD, AddressPolicy(allow_private=True))
            yield CalDavHarness(dav, provider)
