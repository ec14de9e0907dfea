"""The linked-calendar adapter for a stored account and one of its calendars."""

from __future__ import annotations

from integrations.accounts.errors import ProviderError
from integrations.accounts.records import Account
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.records import CalendarRecord
from integrations.providers.caldav.client import CalDavProvider
from integrations.providers.caldav.linked import CalDavLinkedCalendar
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.linked import GoogleLinkedCalendar
from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.linked import MicrosoftLinkedCalendar
from integrations.sync.linked import LinkedCalendar

__all__ = ["activity_link", "linked_calendar"]

#: Below the public URL: an activity's page, the link every pushed event carries.
ACTIVITY_PAGE = "/dashboard/activities/{id}"


def activity_link(public_url: str, activity_id: int) -> str:
    return public_url.rstrip("/") + ACTIVITY_PAGE.format(id=activity_id)


def linked_calendar(
    env: CalendarEnvironment, account: Account, calendar: CalendarRecord
) -> LinkedCalendar:
    """Call on the event loop (the provider's adapter refreshes tokens there)."""
    client = env.provider(account)

    def link_for(activity_id: int) -> str:
        return activity_link(env.public_url, activity_id)

    if isinstance(client, GoogleCalendarProvider):
        return GoogleLinkedCalendar(
            client,
            calendar.remote_id,
            link_for=link_for,
            host_zone=account.host_time_zone,
            owner_email=account.external_email or None,
        )
    if isinstance(client, CalDavProvider):
        return CalDavLinkedCalendar(
            client,
            calendar.remote_id,
            account_email=account.external_email,
            link_for=link_for,
            time_zone=account.host_time_zone,
        )
    if isinstance(client, MicrosoftCalendarProvider):
        return MicrosoftLinkedCalendar(client, calendar.remote_id, link_for=link_for)
    raise ProviderError(f"{account.provider} calendars cannot be linked for sync")
