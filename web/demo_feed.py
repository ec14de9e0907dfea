"""The demo host's conflict calendar: an ICS feed this server publishes itself, so that
``make run`` shows external events taking slots off the booking page with no internet
and no account anywhere.

The feed is generated for the days around today in the host's zone (a stand-up series
that never ends, with one cancelled instance, a client lunch, a private appointment,
an all-day offsite, and a free focus block that blocks nothing), and is fetched back
by the ordinary ICS sync, through the SSRF guard: it exists only where
``ALLOW_PRIVATE_URLS=on`` lets this server fetch from itself (``make run`` sets it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from litestar import Response, get

from integrations.accounts import repository as accounts
from integrations.calendars import service as calendars
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.provider import RemoteCalendar

__all__ = ["DEMO_FEED_PATH", "connect_demo_feed", "demo_calendar", "demo_feed"]

DEMO_FEED_PATH = "/demo/conflicts.ics"
DEMO_ZONE = "Europe/Berlin"
NAME = "Demo conflicts (ICS feed)"


def _next_weekday(day: date, skip: int) -> date:
    """The ``skip``-th working day after ``day``."""
    while skip > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            skip -= 1
    return day


def demo_calendar(now: datetime, zone: str = DEMO_ZONE) -> bytes:
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()

    def at(day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Rendezvous//demo conflicts//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", NAME)
    # Stable within a day: the same bytes on every poll of the day (an idle round).
    stamp = at(today, 0).astimezone(UTC)

    def event(
        uid: str, summary: str, start: date | datetime, end: date | datetime
    ) -> icalendar.Event:
        item = icalendar.Event()
        item.add("uid", f"{uid}@demo.rendezvous")
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        item.add("dtstart", start)
        item.add("dtend", end)
        calendar.add_component(item)
        return item

    first, second, third = (_next_weekday(today, n) for n in (1, 2, 3))
    standup = event(
        "standup",
        "Team stand-up",
        at(today - timedelta(days=28), 9),
        at(today - timedelta(days=28), 10),
    )
    standup.add("rrule", {"freq": "weekly", "byday": ["MO", "TU", "WE", "TH", "FR"]})
    # One instance cancelled: that morning stays bookable.
    standup.add("exdate", at(third, 9))
    event("lunch", "Lunch with a client", at(first, 12), at(first, 14))
    private = event("doctor", "Doctor's appointment", at(first, 16), at(first, 17))
    private.add("class", "PRIVATE")
    event("offsite", "Team offsite", second, second + timedelta(days=1))
    focus = event("focus", "Focus time (shown as free)", at(third, 13), at(third, 17))
    focus.add("transp", "TRANSPARENT")
    body: bytes = calendar.to_ical()
    return body


@get(DEMO_FEED_PATH, include_in_schema=False, sync_to_thread=False)
def demo_feed() -> Response[bytes]:
    return Response(
        demo_calendar(datetime.now(UTC)),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def connect_demo_feed(env: CalendarEnvironment, host_id: int) -> None:
    """Give the demo host the feed as a conflict calendar (idempotent). Stored without
    reading it: the server that publishes it is not running yet; its first sync
    polls it once the server is up."""
    provider = env.ics_provider(env.public_url.rstrip("/") + DEMO_FEED_PATH, NAME)
    for account in await accounts.of_host(host_id, "calendar"):
        # The demo feed at an earlier PUBLIC_URL: one demo calendar, not one per port.
        stale = account.external_id != provider.calendar_id
        if account.provider == "ics" and account.display_name == NAME and stale:
            await accounts.delete(account.id)
    remote = RemoteCalendar(provider.calendar_id, NAME, True, "#f59e0b", DEMO_ZONE, False)
    await calendars.store_ics(env, host_id, provider, [remote], NAME)
