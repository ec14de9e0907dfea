"""Calendar accounts, calendars, and the calendars each event type checks."""

from __future__ import annotations

from litestar import Controller, get, patch, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.errors import InvalidInput
from booking.hosts.schemas import Host
from integrations.accounts.schemas import ConnectLink
from integrations.calendars import service as calendars
from integrations.calendars.schemas import (
    Calendar,
    CalendarAccount,
    CalendarAccountConnect,
    CalendarUpdate,
    EventTypeCalendars,
    EventTypeCalendarsUpdate,
)
from web.api.account_routes import consent_route, disconnect_route, list_route
from web.api.params import PathId
from web.calendars import WRITE_ACCESS_PATH, CalendarServices
from web.openapi import problems

#: The page that starts Google's consent screen (it needs the browser session).
GOOGLE_CONNECT_PATH = "/calendars/google/connect"
MICROSOFT_CONNECT_PATH = "/calendars/microsoft/connect"


class CalendarAccountController(Controller):
    path = "/calendar-accounts"
    tags = ["Calendars"]

    @list_route("listCalendarAccounts", "Connected calendar accounts")
    async def list_accounts(self, host: NamedDependency[Host]) -> list[CalendarAccount]:
        return await calendars.list_accounts(host.id)

    @consent_route(
        "connectCalendarAccount",
        "Start connecting an account: returns the address to open in a browser",
    )
    async def connect_account(
        self,
        host: NamedDependency[Host],
        calendar_services: NamedDependency[CalendarServices],
        data: JSONBody[CalendarAccountConnect],
    ) -> ConnectLink | CalendarAccount:
        if data.provider == "microsoft":
            if calendar_services.env.microsoft is None:
                raise InvalidInput("provider", "Microsoft 365 is not configured on this server.")
            return ConnectLink.to_page(calendar_services.env.public_url, MICROSOFT_CONNECT_PATH)
        if data.provider == "ics":
            # No consent to go through: the feed is read now and the account answered.
            if not data.url:
                raise InvalidInput("url", "the feed's address is required for an ICS feed.")
            account_id = await calendars.connect_ics(
                calendar_services.env, host.id, data.url, data.name.strip()
            )
            await calendar_services.runner.schedule_account(account_id)
            return await calendars.get_account(host.id, account_id)
        if data.provider == "caldav":
            for field, value in (("url", data.url), ("username", data.username),
                                 ("password", data.password)):  # fmt: skip
                if not value:
                    raise InvalidInput(field, f"the {field} is required for a CalDAV account.")
            account_id = await calendars.connect_caldav(
                calendar_services.env, host.id, str(data.url), data.username, data.password
            )
            await calendar_services.runner.schedule_account(account_id)
            return await calendars.get_account(host.id, account_id)
        if calendar_services.env.google is None:
            raise InvalidInput("provider", "Google is not configured on this server.")
        return ConnectLink.to_page(calendar_services.env.public_url, GOOGLE_CONNECT_PATH)

    @consent_route(
        "requestCalendarWriteAccess",
        "Start asking for write access (one-way and two-way sync): returns the "
        "address to open in a browser",
        "/{account_id:int}/write-access",
    )
    async def request_write_access(
        self,
        host: NamedDependency[Host],
        calendar_services: NamedDependency[CalendarServices],
        account_id: PathId,
    ) -> ConnectLink:
        # Checked here so that the API answers 404 / 422 at once, not the browser later;
        # the consent itself needs the browser session, like connecting.
        await calendars.begin_write_access(
            calendar_services.env,
            host.id,
            account_id,
            calendar_services.google_redirect_uri,
            microsoft_redirect_uri=calendar_services.microsoft_redirect_uri,
        )
        path = WRITE_ACCESS_PATH.replace("{account_id:int}", str(account_id))
        return ConnectLink.to_page(calendar_services.env.public_url, path)

    @disconnect_route(
        "disconnectCalendarAccount",
        "Disconnect an account: stops push, revokes the grant, forgets its events",
    )
    async def disconnect_account(
        self,
        host: NamedDependency[Host],
        calendar_services: NamedDependency[CalendarServices],
        account_id: PathId,
    ) -> None:
        await calendars.disconnect(
            calendar_services.env, calendar_services.sync, host.id, account_id
        )


class CalendarController(Controller):
    path = "/calendars"
    tags = ["Calendars"]

    @get(operation_id="listCalendars", summary="Calendars of every connected account")
    async def list_calendars(
        self, host: NamedDependency[Host], calendar_services: NamedDependency[CalendarServices]
    ) -> list[Calendar]:
        return await calendars.list_calendars(calendar_services.env, host.id)

    @patch(
        "/{calendar_id:int}",
        operation_id="updateCalendar",
        summary="Make a calendar a conflict calendar (or not); tentative events; colour",
    )
    async def update_calendar(
        self,
        host: NamedDependency[Host],
        calendar_services: NamedDependency[CalendarServices],
        calendar_id: PathId,
        data: JSONBody[CalendarUpdate],
    ) -> Calendar:
        return await calendars.update_calendar(
            calendar_services.env,
            calendar_services.sync,
            host.id,
            calendar_id,
            data,
            on_conflict_added=calendar_services.runner.schedule,
        )


class EventTypeCalendarController(Controller):
    path = "/event-types/{event_type_id:int}/calendars"
    tags = ["Calendars"]

    @get(operation_id="getEventTypeCalendars", summary="The calendars an event type checks")
    async def get_selection(
        self, host: NamedDependency[Host], event_type_id: PathId
    ) -> EventTypeCalendars:
        return await calendars.event_type_calendars(host.id, event_type_id)

    @put(
        operation_id="setEventTypeCalendars",
        responses=problems(422),
        summary="Choose the calendars an event type checks (null: every conflict calendar)",
    )
    async def set_selection(
        self,
        host: NamedDependency[Host],
        event_type_id: PathId,
        data: JSONBody[EventTypeCalendarsUpdate],
    ) -> EventTypeCalendars:
        return await calendars.set_event_type_calendars(host.id, event_type_id, data)
