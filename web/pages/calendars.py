"""The host's calendars page: connect Google or Microsoft 365 (OAuth with PKCE and a
session-bound ``state``) or add an ICS feed, see each account's status, choose
conflict calendars."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from booking.errors import DomainError
from booking.hosts.schemas import Host
from integrations.calendars import service as calendars
from integrations.calendars.schemas import CalendarUpdate
from web.auth import provide_host, require_session
from web.calendars import (
    GOOGLE_CALLBACK_PATH,
    MICROSOFT_CALLBACK_PATH,
    WRITE_ACCESS_PATH,
    CalendarServices,
)
from web.pages.banner import reconnect_banner
from web.pages.consent import Callback, callback_route, redirect_to_consent

#: Session key of a consent in progress: ``Consent.pending`` (state, verifier, ...).
OAUTH_SESSION_KEY = "google_oauth"
#: Microsoft's consent in progress: msal's flow (state, PKCE verifier, nonce).
MICROSOFT_SESSION_KEY = "microsoft_oauth"


class ConsentFailed(DomainError):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "calendar-connect-failed"
    title: ClassVar[str] = "The calendar could not be connected"


class FeedForm(msgspec.Struct):
    url: str = ""
    name: str = ""


class CalDavForm(msgspec.Struct):
    url: str = ""
    username: str = ""
    password: str = ""


class CalendarForm(msgspec.Struct):
    # Unchecked boxes are not sent at all: absence means off.
    is_conflict: str = ""
    tentative_blocks: str = ""


async def _page(
    host: Host, services: CalendarServices, *, error: str | None = None, status: int = 200
) -> Template:
    accounts = await calendars.list_accounts(host.id)
    listed = await calendars.list_calendars(services.env, host.id)
    return Template(
        "calendars/index.html",
        context={
            "host": host,
            "accounts": accounts,
            "calendars": {a.id: [c for c in listed if c.account_id == a.id] for a in accounts},
            "stale": [c for c in listed if c.stale],
            "google_configured": services.env.google is not None,
            "microsoft_configured": services.env.microsoft is not None,
            "error": error,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


@get("/calendars", guards=[require_session], include_in_schema=False)
async def calendars_page(
    host: NamedDependency[Host], calendar_services: NamedDependency[CalendarServices]
) -> Template:
    return await _page(host, calendar_services)


@get("/calendars/google/connect", guards=[require_session], include_in_schema=False)
async def connect_google(
    request: Request[Any, Any, Any], calendar_services: NamedDependency[CalendarServices]
) -> Redirect:
    if calendar_services.env.google is None:
        raise ConsentFailed("Google is not configured on this server.")
    consent = calendars.begin_google_consent(
        calendar_services.env, calendar_services.google_redirect_uri
    )
    return redirect_to_consent(request, OAUTH_SESSION_KEY, consent)


@get(WRITE_ACCESS_PATH, guards=[require_session], include_in_schema=False)
async def write_access(
    request: Request[Any, Any, Any],
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    account_id: FromPath[int],
) -> Redirect:
    """Consent again, for write access (one-way and two-way sync); same callback."""
    consent = await calendars.begin_write_access(
        calendar_services.env,
        host.id,
        account_id,
        calendar_services.google_redirect_uri,
        microsoft_redirect_uri=calendar_services.microsoft_redirect_uri,
    )
    microsoft = await calendars.account_provider(host.id, account_id) == "microsoft"
    key = MICROSOFT_SESSION_KEY if microsoft else OAUTH_SESSION_KEY
    return redirect_to_consent(request, key, consent)


@get("/calendars/microsoft/connect", guards=[require_session], include_in_schema=False)
async def connect_microsoft(
    request: Request[Any, Any, Any], calendar_services: NamedDependency[CalendarServices]
) -> Redirect:
    if calendar_services.env.microsoft is None:
        raise ConsentFailed("Microsoft 365 is not configured on this server.")
    consent = await asyncio.to_thread(
        calendars.begin_microsoft_consent,
        calendar_services.env,
        calendar_services.microsoft_redirect_uri,
    )
    return redirect_to_consent(request, MICROSOFT_SESSION_KEY, consent)


@callback_route(MICROSOFT_CALLBACK_PATH, MICROSOFT_SESSION_KEY)
async def microsoft_callback(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    callback: NamedDependency[Callback],
) -> Redirect:
    if callback.pending is None:
        raise ConsentFailed(
            "This sign-in did not start here (or was already used). Start again from the "
            "calendars page."
        )
    if callback.error or not callback.code:
        raise ConsentFailed(f"Microsoft did not grant access ({callback.error or 'no code'}).")
    account_id = await calendars.connect_microsoft(
        calendar_services.env, host.id, callback.pending, callback.response
    )
    await calendar_services.runner.schedule_account(account_id)
    return Redirect("/calendars", status_code=303)


@callback_route(GOOGLE_CALLBACK_PATH, OAUTH_SESSION_KEY)
async def google_callback(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    callback: NamedDependency[Callback],
) -> Redirect:
    if callback.pending is None:
        raise ConsentFailed(
            "This sign-in did not start here (or was already used). Start again from the "
            "calendars page."
        )
    if callback.error or not callback.code:
        raise ConsentFailed(f"Google did not grant access ({callback.error or 'no code'}).")
    account_id = await calendars.connect_google(
        calendar_services.env, host.id, callback.pending, callback.response
    )
    await calendar_services.runner.schedule_account(account_id)
    return Redirect("/calendars", status_code=303)


@post("/calendars/ics", guards=[require_session], include_in_schema=False)
async def add_feed(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    data: URLEncodedBody[FeedForm],
) -> Redirect | Template:
    """Add an ICS feed: read at once, so a wrong address is said on this page."""
    try:
        account_id = await calendars.connect_ics(
            calendar_services.env, host.id, data.url.strip(), data.name.strip()[:200]
        )
    except DomainError as exc:
        return await _page(
            host, calendar_services, error=f"The feed was not added: {exc.detail}", status=422
        )
    await calendar_services.runner.schedule_account(account_id)
    return Redirect("/calendars", status_code=303)


@post("/calendars/caldav", guards=[require_session], include_in_schema=False)
async def add_caldav(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    data: URLEncodedBody[CalDavForm],
) -> Redirect | Template:
    """Connect a CalDAV account: discovered at once, so a wrong address or password
    is said on this page."""
    try:
        account_id = await calendars.connect_caldav(
            calendar_services.env, host.id, data.url.strip(), data.username.strip(), data.password
        )
    except DomainError as exc:
        return await _page(
            host,
            calendar_services,
            error=f"The CalDAV account was not connected: {exc.detail}",
            status=422,
        )
    await calendar_services.runner.schedule_account(account_id)
    return Redirect("/calendars", status_code=303)


@post("/calendars/{calendar_id:int}", guards=[require_session], include_in_schema=False)
async def update_calendar(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    calendar_id: FromPath[int],
    data: URLEncodedBody[CalendarForm],
) -> Redirect:
    await calendars.update_calendar(
        calendar_services.env,
        calendar_services.sync,
        host.id,
        calendar_id,
        CalendarUpdate(
            is_conflict=bool(data.is_conflict), tentative_blocks=bool(data.tentative_blocks)
        ),
        on_conflict_added=calendar_services.runner.schedule,
    )
    return Redirect("/calendars", status_code=303)


@post(
    "/calendars/accounts/{account_id:int}/disconnect",
    guards=[require_session],
    include_in_schema=False,
)
async def disconnect_account(
    host: NamedDependency[Host],
    calendar_services: NamedDependency[CalendarServices],
    account_id: FromPath[int],
) -> Redirect:
    await calendars.disconnect(calendar_services.env, calendar_services.sync, host.id, account_id)
    return Redirect("/calendars", status_code=303)


router = Router(
    path="/",
    route_handlers=[
        calendars_page,
        connect_google,
        write_access,
        google_callback,
        add_feed,
        add_caldav,
        connect_microsoft,
        microsoft_callback,
        update_calendar,
        disconnect_account,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
