"""End to end with Microsoft 365: a host connects Outlook through the calendars page
and the emulator's Entra ID (msal, HTTPS), the conflict calendar's events remove
exactly the public slots DESIGN.md's busy table says, Graph validates our webhook,
its change notifications reach the slots, its lifecycle notices renew or replace the
subscription, and disconnecting deletes it.

The app runs under uvicorn on loopback in the test's event loop, so that the
emulator can reach our webhook over real HTTP (the validation handshake and the
notifications).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from integrations.calendars import repository
from tests.e2e.helpers import at, free_slots, host_offering_a_call, next_monday, serving
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import app_settings
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings

WAIT = 10.0
EMAIL = "ada@contoso.example"


@pytest.fixture
def ms() -> Iterator[MicrosoftGraphEmulator]:
    with MicrosoftGraphEmulator(user_email=EMAIL) as emulator:
        yield emulator


@pytest.fixture
async def server(
    settings: Settings, ms: MicrosoftGraphEmulator
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with serving(
        lambda public_url: create_app(
            app_settings(settings, ms, public_url=public_url, push_notifications=True)
        )
    ) as served:
        yield served


async def test_connect_outlook_and_its_events_remove_public_slots(
    server: tuple[httpx.AsyncClient, Any], ms: MicrosoftGraphEmulator
) -> None:
    client, app = server
    runner = app.state["calendars"].runner
    headers, call = await host_offering_a_call(client, EMAIL, "ada", "Ada")

    monday = next_monday()
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
    berlin = ZoneInfo("Europe/Berlin")
    # Outlook, as the host filled it in.
    busy = ms.add_event(start=at(monday, 9), end=at(monday, 10), subject="Busy", showAs="busy")
    ms.add_event(start=at(monday, 10), end=at(monday, 11), subject="Free", showAs="free")
    ms.add_event(start=at(monday, 11), end=at(monday, 11, 30), subject="Maybe", showAs="tentative")
    ms.add_event(
        start=at(monday, 12), end=at(monday, 13), subject="Home", showAs="workingElsewhere"
    )
    ms.add_event(
        start=at(monday, 13), end=at(monday, 13, 30), subject="Doctor", sensitivity="private"
    )
    ms.add_event(start=at(monday, 14), end=at(monday, 15), subject="Called off", isCancelled=True)
    ms.add_event(start=at(tuesday, 9), end=at(tuesday, 9, 30), subject="Away", showAs="oof")
    foreign_start = datetime.combine(tuesday, time(12), berlin)
    ms.add_event(
        start={"dateTime": f"{tuesday}T12:00:00", "timeZone": "Europe/Berlin"},
        end={"dateTime": f"{tuesday}T12:30:00", "timeZone": "Europe/Berlin"},
        subject="Berlin call",
    )
    series = ms.add_event(
        start=at(monday, 15),
        end=at(monday, 15, 30),
        subject="Daily",
        recurrence={
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": str(monday), "numberOfOccurrences": 2},
        },
    )
    # The exception: Monday's occurrence moved to 16:00.
    ms.edit_event(
        ms.occurrence_id(series["id"], at(monday, 15)),
        start=at(monday, 16),
        end=at(monday, 16, 30),
    )
    ms.add_event(start=wednesday, end=wednesday + timedelta(days=1), subject="Offsite")

    # The API hands out the page that starts the consent, like Google's.
    link = await client.post(
        "/api/v1/calendar-accounts", json={"provider": "microsoft"}, headers=headers
    )
    assert link.status_code in (200, 201), link.text
    assert link.json()["authorize_url"].endswith("/calendars/microsoft/connect")

    # Connect through the page: our app -> Entra ID consent -> our callback.
    await sign_in(client, EMAIL, PASSWORD)
    page = await client.get("/calendars")
    assert 'href="/calendars/microsoft/connect"' in page.text
    start = await client.get("/calendars/microsoft/connect")
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert authorize.startswith(ms.authority)
    answer = await asyncio.to_thread(ms.browser_sign_in, authorize)
    back = urlsplit(app.state["calendars"].microsoft_redirect_uri)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in answer.items())
    done = await client.get(f"{back.path}?{query}")
    assert done.status_code == 303, done.text
    page = await client.get("/calendars")
    assert f"Microsoft: {EMAIL}" in page.text

    (calendar_id,) = await repository.conflict_calendar_ids()
    await asyncio.wait_for(runner.wait_synced(calendar_id, 0), WAIT)

    # Graph validated our webhook and holds a subscription with our secret.
    (subscription,) = ms.subscriptions
    (channel,) = await repository.channels_of(calendar_id)
    assert subscription["clientState"] == channel.token
    assert subscription["id"] == channel.resource_id

    slots_url = f"/api/v1/public/ada/{call}/slots?start={monday}&end={wednesday}&tz=UTC"

    async def offered() -> dict[str, list[str]]:
        reply = await client.get(slots_url)
        assert reply.status_code == 200, reply.text
        return {
            day["date"]: [datetime.fromisoformat(s["start"]).isoformat() for s in day["slots"]]
            for day in reply.json()["days"]
        }

    half = timedelta(minutes=30)
    monday_busy = [
        (at(monday, 9), at(monday, 10)),  # busy
        (at(monday, 11), at(monday, 11, 30)),  # tentative: the switch is on
        (at(monday, 13), at(monday, 13, 30)),  # private
        (at(monday, 16), at(monday, 16, 30)),  # the moved occurrence
    ]
    tuesday_busy = [
        (at(tuesday, 9), at(tuesday, 9, 30)),  # out of office
        (foreign_start.astimezone(UTC), foreign_start.astimezone(UTC) + half),
        (at(tuesday, 15), at(tuesday, 15, 30)),  # the series' second occurrence
    ]
    assert await offered() == {
        str(monday): free_slots(monday, monday_busy),
        str(tuesday): free_slots(tuesday, tuesday_busy),
        str(wednesday): [],  # all day
    }
    private = [b for b in await repository.blocks_of(calendar_id) if b.private]
    assert [b.title for b in private] == [None]

    # The host marks the busy event free in Outlook; only the notification tells us.
    seen = runner.sync_count(calendar_id)
    ms.edit_event(busy["id"], showAs="free")
    await asyncio.wait_for(runner.wait_synced(calendar_id, seen), WAIT)
    assert (await offered())[str(monday)] == free_slots(monday, monday_busy[1:])

    # Graph asks for the subscription to be reauthorized: the sync it triggers
    # extends the same subscription.
    seen = runner.sync_count(calendar_id)
    ms.send_lifecycle_notification(subscription["id"], "reauthorizationRequired")
    await asyncio.wait_for(runner.wait_synced(calendar_id, seen), WAIT)
    (renewed,) = ms.subscriptions
    assert renewed["id"] == subscription["id"]
    (row,) = await repository.channels_of(calendar_id)
    assert row.expires_at > channel.expires_at - timedelta(minutes=5)

    # Graph removed it: the next sync makes a new one, validated like the first.
    seen = runner.sync_count(calendar_id)
    ms.send_lifecycle_notification(subscription["id"], "subscriptionRemoved")
    await asyncio.wait_for(runner.wait_synced(calendar_id, seen), WAIT)
    (replacement,) = ms.subscriptions
    assert replacement["id"] != subscription["id"]
    (channel,) = await repository.channels_of(calendar_id)
    assert channel.resource_id == replacement["id"]
    subscription = replacement

    # Forged and stray notifications schedule nothing.
    webhook = "/webhooks/microsoft"
    forged = {"value": [{"subscriptionId": subscription["id"], "clientState": "guess"}]}
    reply = await client.post(f"{webhook}?channel={channel.channel_id}", json=forged)
    assert reply.status_code == 403
    reply = await client.post(f"{webhook}?channel=nope", json=forged)
    assert reply.status_code == 404
    echo = await client.post(f"{webhook}?validationToken={quote('a b&c', safe='')}")
    assert (echo.status_code, echo.text) == (200, "a b&c")
    assert echo.headers["content-type"].startswith("text/plain")

    # Disconnecting deletes the subscription at Graph.
    stored = await repository.calendar(calendar_id)
    assert stored is not None
    account_id = stored.account_id
    token = await csrf_token(client, "/calendars")
    gone = await client.post(
        f"/calendars/accounts/{account_id}/disconnect", data={"_csrf_token": token}
    )
    assert gone.status_code == 303
    assert ms.subscriptions == []
    assert await repository.conflict_calendar_ids() == []
