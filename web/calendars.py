"""Builds the calendar integration from settings: vault, Google app, sync engine and
its background runner (or, with Redis, the queue that hands syncs to workers),
bundled for handlers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.runner import CalendarScheduler, CalendarSyncRunner
from integrations.calendars.sync import CalendarSync
from integrations.jobs.locks import AccountLocks
from integrations.jobs.queue import JobQueue
from integrations.providers.google.oauth import GoogleApp, GoogleEndpoints
from integrations.providers.microsoft.oauth import MicrosoftApp
from integrations.vault import TokenVault
from web.settings import Settings

#: Where Google sends the host back after consent, below the public URL.
GOOGLE_CALLBACK_PATH = "/calendars/google/callback"
#: Where Microsoft sends the host back after consent, below the public URL.
MICROSOFT_CALLBACK_PATH = "/calendars/microsoft/callback"
#: Authority hosts msal's instance discovery knows; any other (an emulator) is
#: used as it is.
_KNOWN_AUTHORITY_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
)
#: The page that sends the host through Google's consent again, for write access.
WRITE_ACCESS_PATH = "/calendars/accounts/{account_id:int}/write-access"


@dataclass(frozen=True)
class CalendarServices:
    env: CalendarEnvironment
    sync: CalendarSync
    #: Where syncs are scheduled: this process's loop, or the workers' queue.
    runner: CalendarScheduler
    google_redirect_uri: str
    microsoft_redirect_uri: str = ""


def token_vault(settings: Settings) -> TokenVault:
    if settings.token_encryption_keys:
        return TokenVault(list(settings.token_encryption_keys))
    # Settings built in code (tests) carry no key: derive one from the secret key.
    digest = hashlib.sha256(f"rendezvous:tokens:{settings.secret_key}".encode()).digest()
    return TokenVault(base64.urlsafe_b64encode(digest))


def calendar_environment(settings: Settings) -> CalendarEnvironment:
    google = None
    if settings.google is not None:
        google = GoogleApp(
            settings.google.client_id,
            settings.google.client_secret,
            GoogleEndpoints(
                auth_uri=settings.google_auth_uri,
                token_uri=settings.google_token_uri,
                api_endpoint=settings.google_api_endpoint,
                revoke_uri=settings.google_revoke_uri,
            ),
        )
    microsoft = None
    if settings.microsoft is not None:
        microsoft = MicrosoftApp(
            settings.microsoft.client_id,
            settings.microsoft.client_secret,
            authority=settings.microsoft_authority,
            graph_url=settings.microsoft_graph_url,
            verify=settings.microsoft_ca_file or True,
            instance_discovery=urlsplit(settings.microsoft_authority).hostname
            in _KNOWN_AUTHORITY_HOSTS,
            # REQUESTS_CA_BUNDLE from the environment would override the CA file.
            trust_env=settings.microsoft_ca_file is None,
        )
    return CalendarEnvironment(
        vault=token_vault(settings),
        public_url=settings.public_url,
        mail_from=settings.mail_from,
        google=google,
        microsoft=microsoft,
        push=settings.push_notifications,
        allow_private_urls=settings.allow_private_urls,
        stale_after=timedelta(minutes=settings.calendar_stale_minutes),
    )


def calendar_services(
    settings: Settings,
    on_queued: Callable[[], None],
    *,
    locks: AccountLocks | None = None,
    queue: JobQueue | None = None,
) -> CalendarServices:
    env = calendar_environment(settings)
    sync = CalendarSync(env, on_queued=on_queued, locks=locks)
    runner: CalendarScheduler
    if queue is not None:
        runner = queue
    else:
        runner = CalendarSyncRunner(
            sync,
            poll_interval=settings.calendar_sync_minutes * 60.0,
            debounce=settings.push_debounce_seconds,
        )
    return CalendarServices(
        env,
        sync,
        runner,
        settings.public_url + GOOGLE_CALLBACK_PATH,
        settings.public_url + MICROSOFT_CALLBACK_PATH,
    )
