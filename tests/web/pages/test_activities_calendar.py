"""The activities calendar as a signed-in host's browser uses it: the feed of the
visible range (activities in their type's colour, completed and trashed ones left
out, the calendars' busy time with "Busy" for private events, pushed events not
shown twice), moving an activity by drag (refused for one someone else organises),
adding one from a selected range, and the view the page opens in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from booking.activities import repository as activity_rows
from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate, ActivityTypeCreate, ActivityUpdate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.calendars import repository as calendar_rows
from integrations.calendars.records import CalendarChange
from integrations.sync import crm
from integrations.sync import repository as sync_rows
from integrations.sync.status import StatusRow
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, sign_in
from tests.web.pages.test_sync_page import add_account

PAGE = "/dashboard/activities"
JSON = {"Accept": "application/json"}
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)


async def signed_in(client: httpx.AsyncClient) -> dict[str, str]:
    """Sign in; the headers a fetch from the page sends (its CSRF token included)."""
    await sign_in(client, "ada@example.com", PASSWORD)
    page = await client.get(PAGE, headers={"Accept": "text/html"})
    assert page.status_code == 200
    match = re.search(r'data-csrf="([^"]+)"', page.text)
    assert match, "the calendar carries the CSRF token its script sends"
    return {**JSON, "X-CSRFToken": match.group(1)}


async def feed(client: httpx.AsyncClient, start: datetime, end: datetime) -> dict[str, Any]:
    answer = await client.get(
        f"{PAGE}/feed", params={"start": start.isoformat(), "end": end.isoformat()}, headers=JSON
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def activity(host_id: int, title: str, start: datetime, **fields: Any) -> int:
    made = await activities.create(
        host_id, ActivityCreate(title=title, start=start, end=start + timedelta(hours=1), **fields)
    )
    return made.id


async def block(calendar_id: int, remote_id: str, start: datetime, **facts: Any) -> None:
    """A busy block as the calendar sync stores an external event."""
    row = {
        "calendar": calendar_id,
        "remote_id": remote_id,
        "ical_uid": None,
        "etag": None,
        "start_at": start,
        "end_at": start + timedelta(hours=1),
        "all_day": False,
        "busy": True,
        "tentative": False,
        "private": False,
        "title": "Dentist",
        "recurring_event_id": None,
        "original_start": None,
        "sync_generation": 0,
    }
    await calendar_rows.upsert_blocks([{**row, **facts}])


async def test_the_feed_shows_the_ranges_open_activities_in_their_types_colour(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await signed_in(client)
    call = await activities.create_type(ActivityTypeCreate(name="Follow-up", colour="#FACC15"))
    shown = await activity(ada.host.id, "Kick-off", MONDAY + timedelta(hours=9))
    typed = await activity(
        ada.host.id, "Ring Bob", MONDAY + timedelta(hours=13), activity_type_id=call.id
    )
    done = await activity(ada.host.id, "Done already", MONDAY + timedelta(hours=15))
    await activities.update(ada.host.id, done, ActivityUpdate(completed=True))
    trashed = await activity(ada.host.id, "Event left the calendar", MONDAY + timedelta(hours=16))
    await crm.trash(trashed)
    await activity(ada.host.id, "Next month", MONDAY + timedelta(days=40))
    other = await hosts.create(HostCreate(email="bob@example.com", slug="bob"))
    await activity(other.id, "Bob's own", MONDAY + timedelta(hours=10))

    body = await feed(client, MONDAY, MONDAY + timedelta(days=7))

    by_title = {a["title"]: a for a in body["activities"]}
    assert set(by_title) == {"Kick-off", "Ring Bob"}
    kickoff, ring = by_title["Kick-off"], by_title["Ring Bob"]
    # In the host's zone (Europe/Berlin, UTC+1 in December).
    assert (kickoff["start"], kickoff["end"]) == (
        "2026-12-07T10:00:00+01:00",
        "2026-12-07T11:00:00+01:00",
    )
    assert (kickoff["type_name"], kickoff["colour"], kickoff["text_colour"]) == (
        "Meeting",
        "#4f46e5",
        "#ffffff",
    )
    assert (ring["type_id"], ring["colour"], ring["text_colour"]) == (call.id, "#facc15", "#000000")
    assert kickoff["url"] == f"{PAGE}/{shown}"
    assert ring["url"] == f"{PAGE}/{typed}"
    assert kickoff["read_only"] == ""


async def test_the_feed_shows_the_calendars_busy_time_private_as_busy_and_pushed_events_once(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await signed_in(client)
    account_id = await add_account(ada.host.id, "caldav", "ada@example.com", ["Work", "Home"])
    named = {c.name: c for c in await calendar_rows.calendars_of_account(account_id)}
    work, home = named["Work"], named["Home"]
    await calendar_rows.update_calendar(work.id, CalendarChange(is_conflict=True))
    pushed = await activity(ada.host.id, "Pushed out", MONDAY + timedelta(hours=8))
    await block(work.id, "ext-1", MONDAY + timedelta(hours=9))
    await block(work.id, "ext-2", MONDAY + timedelta(hours=11), private=True, title=None)
    await block(work.id, "ext-3", MONDAY + timedelta(hours=12), busy=False, title="Free lunch")
    await block(work.id, "rdv-pushed", MONDAY + timedelta(hours=8), title="Pushed out")
    await block(work.id, "ext-late", MONDAY + timedelta(days=9))
    # Not a conflict calendar: its events block nothing and are not shown.
    await block(home.id, "home-1", MONDAY + timedelta(hours=14), title="Gym")
    await sync_rows.save_link(
        work.id,
        StatusRow(
            activity_id=pushed,
            remote_id="rdv-pushed",
            remote_etag=None,
            origin="crm",
            crm_fields={},
            remote_fields={},
            start=MONDAY + timedelta(hours=8),
        ),
    )

    body = await feed(client, MONDAY, MONDAY + timedelta(days=7))

    assert [a["title"] for a in body["activities"]] == ["Pushed out"]
    assert [(b["title"], b["start"], b["calendar"]) for b in body["busy"]] == [
        ("Dentist", "2026-12-07T10:00:00+01:00", "Work"),
        ("Busy", "2026-12-07T12:00:00+01:00", "Work"),
    ]


async def test_all_day_activities_and_blocks_cover_the_days_of_the_hosts_zone(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await signed_in(client)
    # Made through the API at UTC midnight, and as the sync stores one (Berlin midnight).
    await activities.create(
        ada.host.id,
        ActivityCreate(title="Offsite", start=MONDAY, end=MONDAY + timedelta(days=2), all_day=True),
    )
    berlin_midnight = MONDAY + timedelta(days=3) - timedelta(hours=1)
    await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Holiday",
            start=berlin_midnight,
            end=berlin_midnight + timedelta(days=1),
            all_day=True,
        ),
    )
    body = await feed(client, MONDAY - timedelta(days=1), MONDAY + timedelta(days=7))
    spans = {a["title"]: (a["start"], a["end"], a["all_day"]) for a in body["activities"]}
    assert spans == {
        "Offsite": ("2026-12-07", "2026-12-09", True),
        "Holiday": ("2026-12-10", "2026-12-11", True),
    }


async def test_a_bad_range_is_refused_with_a_reason(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await signed_in(client)
    for params, field in (
        ({"start": "2026-12-07T00:00:00", "end": "2026-12-08T00:00:00Z"}, "start"),
        ({"start": "2026-12-08T00:00:00Z", "end": "2026-12-07T00:00:00Z"}, "end"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2027-06-01T00:00:00Z"}, "end"),
    ):
        answer = await client.get(f"{PAGE}/feed", params=params, headers=JSON)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field


async def test_the_calendar_and_its_feed_need_a_session(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    for path in (PAGE, f"{PAGE}/feed?start=2026-12-07T00:00:00Z&end=2026-12-08T00:00:00Z"):
        answer = await client.get(path, headers={"Accept": "text/html"})
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
    # A bearer token is for the API, not the page's routes.
    answer = await client.get(
        f"{PAGE}/feed?start=2026-12-07T00:00:00Z&end=2026-12-08T00:00:00Z",
        headers={**JSON, **ada.headers},
    )
    assert answer.status_code == 303


async def test_dragging_an_activity_moves_it_for_the_api_too(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    headers = await signed_in(client)
    moved = await activity(ada.host.id, "Kick-off", MONDAY + timedelta(hours=9))

    answer = await client.patch(
        f"{PAGE}/{moved}/times",
        json={"start": "2026-12-08T14:30:00+01:00", "end": "2026-12-08T16:00:00+01:00"},
        headers=headers,
    )

    assert answer.status_code == 200, answer.text
    assert (answer.json()["start"], answer.json()["end"]) == (
        "2026-12-08T14:30:00+01:00",
        "2026-12-08T16:00:00+01:00",
    )
    seen = (await client.get(f"/api/v1/activities/{moved}", headers=ada.headers)).json()
    assert (seen["start"], seen["end"]) == ("2026-12-08T13:30:00Z", "2026-12-08T15:00:00Z")

    # Into the all-day row: the day of the host's zone.
    answer = await client.patch(
        f"{PAGE}/{moved}/times",
        json={"start": "2026-12-09", "end": "2026-12-10", "all_day": True},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["start"], answer.json()["all_day"]) == ("2026-12-09", True)
    seen = (await client.get(f"/api/v1/activities/{moved}", headers=ada.headers)).json()
    assert (seen["start"], seen["all_day"]) == ("2026-12-08T23:00:00Z", True)


async def test_an_activity_someone_else_organises_cannot_be_dragged(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    headers = await signed_in(client)
    theirs = await activity(ada.host.id, "Their meeting", MONDAY + timedelta(hours=9))
    await crm.set_organiser(theirs, "dora@partner.example")

    [shown] = (await feed(client, MONDAY, MONDAY + timedelta(days=1)))["activities"]
    assert "dora@partner.example" in shown["read_only"]

    answer = await client.patch(
        f"{PAGE}/{theirs}/times",
        json={"start": "2026-12-08T14:00:00+01:00", "end": "2026-12-08T15:00:00+01:00"},
        headers=headers,
    )
    assert answer.status_code == 409
    assert "dora@partner.example" in answer.json()["detail"]
    seen = (await client.get(f"/api/v1/activities/{theirs}", headers=ada.headers)).json()
    assert seen["start"] == "2026-12-07T09:00:00Z"


async def test_bad_moves_are_refused_with_a_reason(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    headers = await signed_in(client)
    moved = await activity(ada.host.id, "Kick-off", MONDAY + timedelta(hours=9))
    other = await hosts.create(HostCreate(email="bob@example.com", slug="bob"))
    bobs = await activity(other.id, "Bob's", MONDAY)
    cases = [
        (moved, {"start": "2026-12-08T15:00:00+01:00", "end": "2026-12-08T14:00:00+01:00"}, 422),
        (moved, {"start": "tomorrow", "end": "2026-12-08T16:00:00Z"}, 422),
        (bobs, {"start": "2026-12-08T15:00:00Z", "end": "2026-12-08T16:00:00Z"}, 404),
    ]
    for activity_id, body, status in cases:
        answer = await client.patch(f"{PAGE}/{activity_id}/times", json=body, headers=headers)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["detail"]
    # Without the page's CSRF token, nothing moves.
    answer = await client.patch(
        f"{PAGE}/{moved}/times",
        json={"start": "2026-12-08T14:00:00Z", "end": "2026-12-08T15:00:00Z"},
        headers=JSON,
    )
    assert answer.status_code == 403
    seen = (await client.get(f"/api/v1/activities/{moved}", headers=ada.headers)).json()
    assert seen["start"] == "2026-12-07T09:00:00Z"


async def test_selecting_a_range_adds_an_activity_of_the_chosen_type(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    headers = await signed_in(client)
    call = await activities.create_type(ActivityTypeCreate(name="Demo", colour="#16a34a"))

    answer = await client.post(
        PAGE,
        json={
            "title": "Call Bob",
            "activity_type_id": call.id,
            "start": "2026-12-08T09:00:00+01:00",
            "end": "2026-12-08T09:30:00+01:00",
        },
        headers=headers,
    )

    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert (made["title"], made["type_name"], made["colour"]) == ("Call Bob", "Demo", "#16a34a")
    listed = (await client.get("/api/v1/activities", headers=ada.headers)).json()
    assert [(a["title"], a["start"]) for a in listed] == [("Call Bob", "2026-12-08T08:00:00Z")]

    # Typed in the dialog: wall-clock times of the host's zone (Berlin), and whole days.
    typed = await client.post(
        PAGE,
        json={"title": "Lunch", "start": "2026-12-09T12:30", "end": "2026-12-09T13:30"},
        headers=headers,
    )
    assert typed.status_code == 201, typed.text
    offsite = await client.post(
        PAGE,
        json={"title": "Offsite", "start": "2026-12-10", "end": "2026-12-12", "all_day": True},
        headers=headers,
    )
    assert offsite.status_code == 201, offsite.text
    listed = (await client.get("/api/v1/activities", headers=ada.headers)).json()
    assert [(a["title"], a["start"], a["end"]) for a in listed[1:]] == [
        ("Lunch", "2026-12-09T11:30:00Z", "2026-12-09T12:30:00Z"),
        ("Offsite", "2026-12-09T23:00:00Z", "2026-12-11T23:00:00Z"),
    ]

    refused = await client.post(
        PAGE,
        json={"title": "", "start": "2026-12-08T09:00:00Z", "end": "2026-12-08T10:00:00Z"},
        headers=headers,
    )
    assert refused.status_code == 400, refused.text


async def test_the_page_opens_in_the_view_the_host_last_chose(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    headers = await signed_in(client)

    async def opened_in(path: str = PAGE) -> str:
        page = await client.get(path, headers={"Accept": "text/html"})
        match = re.search(r'data-view="([a-z]+)"', page.text)
        assert match
        return match.group(1)

    assert await opened_in() == "month"
    answer = await client.post(f"{PAGE}/view", json={"view": "list"}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert await opened_in() == "list"
    # ?view= chooses too (the navigation's "list" link), and is remembered.
    assert await opened_in(f"{PAGE}?view=week") == "week"
    assert await opened_in() == "week"
    refused = await client.post(f"{PAGE}/view", json={"view": "year"}, headers=headers)
    assert refused.status_code == 422
    assert await opened_in() == "week"

    # Per host: another host's page opens in its own choice.
    await hosts.create(
        HostCreate(email="bob@example.com", slug="bob", password=PASSWORD, time_zone="UTC")
    )
    client.cookies.clear()
    await sign_in(client, "bob@example.com", PASSWORD)
    assert await opened_in() == "month"


async def test_activities_waiting_for_a_contact_choice_are_listed_with_the_way_to_choose(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await signed_in(client)
    waiting = await activity(ada.host.id, "Call with the shared inbox", MONDAY)
    await activity_rows.set_ambiguous(waiting, ["team@example.com"])
    page = await client.get(PAGE, headers={"Accept": "text/html"})
    assert "1 activity needs your attention" in page.text
    assert "team@example.com" in page.text
    assert 'href="/dashboard/needs-attention"' in page.text
