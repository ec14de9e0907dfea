"""The profile calendar settings page as a signed-in host uses it: every calendar
account with what it can do, the sync settings form (saved, or every bad field named
at once), the read-only grant, the run log, and one activity's page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar

from booking.activities import repository as activity_rows
from booking.activities import service as activities
from booking.activities.records import Attendee
from booking.activities.schemas import ActivityCreate, ActivityUpdate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.accounts import repository as account_rows
from integrations.calendars import repository as calendar_rows
from integrations.sync import crm
from integrations.sync import repository as sync_rows
from integrations.sync import service as sync
from integrations.sync.schemas import SyncRun
from tests.conftest import SignedIn
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import app_settings, connect_in_browser
from tests.waiting import until
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in
from web.app import create_app
from web.settings import Settings

PAGE = "/dashboard/calendar-sync"
HTML = {"Accept": "text/html"}


@pytest.fixture
def google() -> Iterator[GoogleCalendarEmulator]:
    with GoogleCalendarEmulator(user_email="ada@example.com") as emulator:
        yield emulator


@pytest.fixture
def app(settings: Settings, google: GoogleCalendarEmulator) -> Litestar:
    return create_app(app_settings(settings, google))


async def add_account(host_id: int, provider: str, email: str, calendars: list[str]) -> int:
    """A CalDAV account or an ICS feed as connecting it stores it (the connect flows
    have their own tests)."""
    account_id = await account_rows.insert(
        {
            "host": host_id,
            "provider": provider,
            "purpose": "calendar",
            "external_id": f"https://{provider}.example.com/{email}",
            "external_email": email,
            "connected_at": datetime(2026, 6, 1, 8, tzinfo=UTC),
        }
    )
    for number, name in enumerate(calendars):
        await calendar_rows.insert_calendar(
            {
                "account": account_id,
                "remote_id": f"/{email}/{name.lower()}/",
                "name": name,
                "primary": number == 0,
            }
        )
    return account_id


def account_section(page: str, account_id: int) -> str:
    start = page.index(f'<section class="card" id="account-{account_id}"')
    return html.unescape(page[start : page.index("</section>", start)])


def settings_form(**changes: str | list[str]) -> dict[str, str | list[str]]:
    """Everything the form posts when the host changes nothing but ``changes``."""
    form: dict[str, str | list[str]] = {
        "mode": "two_way",
        "meeting_type_id": "",
        "appointment_type_id": "",
        "push_type_ids": [],
        "days_back": "30",
        "days_ahead": "365",
        "earliest": "2026-06-01",
        "guests": "create",
        "winner": "calendar",
        "every_minutes": "15",
        "active_from": "",
        "active_until": "",
        "notify": "failures",
    }
    form.update(changes)
    return form


async def type_ids() -> dict[str, int]:
    return {t.name: t.id for t in await activities.types()}


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in (PAGE, "/dashboard/activities/1"):
        page = await client.get(path, headers=HTML)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")


async def test_every_account_is_listed_with_what_it_can_do(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    assert f'href="{PAGE}"' in (await client.get("/dashboard")).text
    assert f'href="{PAGE}"' in (await client.get("/calendars")).text
    empty = await client.get(PAGE)
    assert "No calendar is connected yet." in empty.text

    await connect_in_browser(client)
    [google_account] = await calendar_rows_accounts(ada.host.id)
    caldav = await add_account(ada.host.id, "caldav", "ada@fastmail.example", ["Work", "Home"])
    feed = await add_account(ada.host.id, "ics", "family.example.com", ["Family"])

    page = await client.get(PAGE)
    assert page.status_code == 200
    assert 'src="/static/sync.js"' in page.text

    read_only = account_section(page.text, google_account)
    assert "Google: ada@example.com" in read_only
    assert "Status: connected" in read_only
    assert "read access only" in read_only
    assert f'href="/calendars/accounts/{google_account}/write-access"' in read_only
    # Without write access only "off" can be chosen.
    assert re.search(r'value="two_way"[^>]*disabled', read_only)
    assert not re.search(r'value="off"[^>]*disabled', read_only)

    writable = account_section(page.text, caldav)
    assert "CalDAV: ada@fastmail.example" in writable
    assert "read access only" not in writable
    assert not re.search(r'value="two_way"[^>]*disabled', writable)
    assert re.search(r'<option value="\d+" selected>Work \(primary\)</option>', writable)
    assert re.search(r'name="mode" value="off" checked', writable)
    assert "Only events from 2026-06-01 on will be synced" in writable
    for sentence in (
        "Shows your calendar's events as grey busy time and sends your CRM activities out, "
        "without turning invitees into contacts.",
        "Also brings your calendar's events in as activities and their invitees in as contacts.",
    ):
        assert sentence in writable
    assert writable.count('name="barred"') == 6
    # Every activity type is pushed by default.
    assert writable.count('name="push_type_ids"') == len(await activities.types())
    assert writable.count('name="push_type_ids" value') == writable.count("checked>\n        <svg")
    assert "No sync has run yet." in writable
    assert 'href="/dashboard/needs-attention"' in writable

    assert 'aria-label="Accounts to reconnect"' not in page.text
    await account_rows.update(
        caldav, {"status": "reconnect_needed", "status_message": "The app password was refused."}
    )
    again = await client.get(PAGE)
    assert 'aria-label="Accounts to reconnect"' in again.text
    assert "Status: reconnect needed. The app password was refused." in account_section(
        again.text, caldav
    )

    conflict_only = account_section(page.text, feed)
    assert "Calendar feed from family.example.com" in conflict_only
    assert "Conflict calendar only" in conflict_only
    assert 'name="mode"' not in conflict_only


async def calendar_rows_accounts(host_id: int) -> list[int]:
    return [a.id for a in await account_rows.of_host(host_id, "calendar")]


async def test_saving_every_setting(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    account_id = await add_account(ada.host.id, "caldav", "ada@fastmail.example", ["Work", "Home"])
    calendars = {c.name: c.id for c in await calendar_rows.calendars_of_account(account_id)}
    types = await type_ids()
    token = await csrf_token(client, PAGE)
    saved = await client.post(
        f"{PAGE}/{account_id}",
        data={
            **settings_form(
                calendar_id=str(calendars["Home"]),
                meeting_type_id=str(types["Meeting"]),
                appointment_type_id=str(types["Appointment"]),
                push_type_ids=[str(types["Meeting"])],
                days_back="7",
                days_ahead="90",
                earliest="2026-01-15",
                barred=["calendar:delete", "crm:create"],
                guests="match",
                winner="crm",
                every_minutes="30",
                active_from="08:00",
                active_until="18:30",
                notify="summary",
            ),
            "only_linked": "on",
            "keep_calendar_body": "on",
            "_csrf_token": token,
        },
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{PAGE}?saved={account_id}#account-{account_id}"

    stored = await sync.get_settings(ada.host.id, account_id)
    assert stored.calendar_id == calendars["Home"]
    assert stored.mode == "two_way"
    assert stored.push_type_ids == [types["Meeting"]]
    assert (stored.only_linked, stored.keep_calendar_body, stored.auto) == (True, True, False)
    assert (stored.days_back, stored.days_ahead, stored.every_minutes) == (7, 90, 30)
    # Midnight in the host's zone (Europe/Berlin).
    assert stored.earliest == datetime(2026, 1, 14, 23, tzinfo=UTC)
    assert sorted(stored.barred) == ["calendar:delete", "crm:create"]
    assert (stored.guests, stored.winner, stored.notify) == ("match", "crm", "summary")
    assert (stored.active_from, stored.active_until) == ("08:00", "18:30")

    page = (await client.get(saved.headers["location"])).text
    section = account_section(page, account_id)
    assert "Sync settings saved." in section
    assert "Only events from 2026-01-15 on will be synced" in section
    assert re.search(rf'<option value="{calendars["Home"]}" selected>Home</option>', section)
    assert 'value="calendar:delete" checked' in section
    assert 'value="crm:update">' in section
    assert 'name="winner" value="crm" checked' in section
    assert 'name="active_until" type="time" value="18:30"' in section
    # Sync is on: it can be previewed and run.
    assert "Preview sync" in section
    assert "Sync now" in section

    # Ticking every type again means all of them, types added later too.
    token = await csrf_token(client, PAGE)
    again = await client.post(
        f"{PAGE}/{account_id}",
        data={
            **settings_form(
                meeting_type_id=str(types["Meeting"]),
                appointment_type_id=str(types["Appointment"]),
                push_type_ids=[str(t) for t in types.values()],
                calendar_id=str(calendars["Home"]),
                mode="off",
            ),
            "_csrf_token": token,
        },
    )
    assert again.status_code == 303, again.text
    assert (await sync.get_settings(ada.host.id, account_id)).push_type_ids is None


async def test_every_bad_field_is_named_at_once_and_what_was_typed_stays(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    account_id = await add_account(ada.host.id, "caldav", "ada@fastmail.example", ["Work"])
    before = await sync.get_settings(ada.host.id, account_id)
    [calendar] = await calendar_rows.calendars_of_account(account_id)
    types = await type_ids()
    token = await csrf_token(client, PAGE)
    refused = await client.post(
        f"{PAGE}/{account_id}",
        data={
            **settings_form(
                calendar_id=str(calendar.id),
                meeting_type_id=str(types["Meeting"]),
                appointment_type_id="999999",
                days_back="-3",
                days_ahead="ten",
                earliest="31/12/2025",
                every_minutes="2",
                active_from="08:00",
                barred=["calendar:delete"],
            ),
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 422
    section = account_section(refused.text, account_id)
    assert "6 settings need a change" in section
    for field, message in (
        ("appointment_type_id", "Choose one of the activity types."),
        ("days_back", "A whole number of days from 0 to 3650."),
        ("days_ahead", "A whole number of days from 1 to 3650."),
        ("earliest", "A date, e.g. 2026-01-31."),
        ("every_minutes", "A whole number of minutes from 5 to 1440."),
        ("active_until", "Give both ends of the time-of-day range, or neither."),
    ):
        assert f'id="err-{account_id}-{field}">{message}</p>' in section, field
    # What the host typed is still there to correct.
    assert 'name="days_back" type="number" inputmode="numeric" min="0" max="3650" value="-3"' in (
        section
    )
    assert 'value="ten"' in section
    assert 'value="31/12/2025"' in section
    assert 'name="active_from" type="time" value="08:00"' in section
    assert 'value="calendar:delete" checked' in section
    assert 'name="mode" value="two_way" checked' in section
    assert 'aria-invalid="true" aria-describedby="err-' in section
    assert await sync.get_settings(ada.host.id, account_id) == before


async def test_a_read_only_grant_cannot_turn_sync_on(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    await connect_in_browser(client)
    [account_id] = await calendar_rows_accounts(ada.host.id)
    [primary] = [c for c in await calendar_rows.calendars_of_account(account_id) if c.primary]
    types = await type_ids()
    earliest = (await sync.get_settings(ada.host.id, account_id)).earliest
    token = await csrf_token(client, PAGE)
    refused = await client.post(
        f"{PAGE}/{account_id}",
        data={
            **settings_form(
                meeting_type_id=str(types["Meeting"]),
                appointment_type_id=str(types["Appointment"]),
                calendar_id=str(primary.id),
                earliest=earliest.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat(),
            ),
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 422
    section = account_section(refused.text, account_id)
    assert f'id="err-{account_id}-mode">Sync writes events to the calendar' in section
    assert f'href="/calendars/accounts/{account_id}/write-access"' in section
    assert (await sync.get_settings(ada.host.id, account_id)).mode == "off"


async def test_the_history_lists_runs_with_counts_conflicts_and_errors(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    account_id = await add_account(ada.host.id, "caldav", "ada@fastmail.example", ["Work"])
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    older = await sync_rows.start_run(account_id, ada.host.id, "auto", "two_way", False, start)
    await sync_rows.update_run(
        older,
        {
            "status": "done",
            "finished_at": start + timedelta(seconds=2.5),
            "counts": {"crm": {"create": 3}, "calendar": {"update": 1, "delete": 2}},
            "conflicts": [
                {
                    "activity_id": 1,
                    "remote_id": "x",
                    "field": "title",
                    "crm_value": "Lunch with Bob",
                    "calendar_value": "Lunch w/ Bob",
                    "winner": "calendar",
                }
            ],
        },
    )
    newer = await sync_rows.start_run(
        account_id, ada.host.id, "manual", "two_way", False, start + timedelta(hours=1)
    )
    await sync_rows.update_run(
        newer,
        {
            "status": "failed",
            "finished_at": start + timedelta(hours=1, seconds=1),
            "errors": [{"message": "The CalDAV server answered 503.", "code": "provider"}],
        },
    )
    page = (await client.get(PAGE)).text
    section = account_section(page, account_id)
    history = section[section.index("Sync history") :]
    assert history.index("2026-11-30 11:00") < history.index("2026-11-30 10:00"), "newest first"
    assert "In the CRM: 3 create (done)" in history
    assert "In the calendar: 1 update, 2 delete (done)" in history
    assert "2.5 s" in history
    conflict = "title: the CRM had “Lunch with Bob”, the calendar “Lunch w/ Bob”; the calendar won."
    assert conflict in history
    assert "The CalDAV server answered 503." in history
    assert ">failed<" in history


async def test_the_progress_of_a_run_is_the_hosts_own(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    account_id = await add_account(ada.host.id, "caldav", "ada@fastmail.example", ["Work"])
    run_id = await sync_rows.start_run(
        account_id, ada.host.id, "manual", "two_way", False, datetime.now(UTC)
    )
    await sync_rows.update_run(run_id, {"progress_done": 40, "progress_total": 160})
    page = account_section((await client.get(PAGE)).text, account_id)
    assert f'<progress id="progress-{account_id}" data-run="{run_id}" max="160" value="40">' in page
    progress = await client.get(f"{PAGE}/runs/{run_id}/progress")
    assert progress.json() == {"id": run_id, "status": "running", "done": 40, "total": 160}

    grace = await hosts.create(
        HostCreate(email="grace@example.com", slug="grace", time_zone="UTC", password=PASSWORD)
    )
    other = await add_account(grace.id, "caldav", "grace@fastmail.example", ["Work"])
    hers = await sync_rows.start_run(other, grace.id, "manual", "two_way", False, datetime.now(UTC))
    assert (await client.get(f"{PAGE}/runs/{hers}/progress")).status_code == 404
    token = await csrf_token(client, PAGE)
    for action in ("", "/preview", "/run"):
        forbidden = await client.post(f"{PAGE}/{other}{action}", data={"_csrf_token": token})
        assert forbidden.status_code == 404, action
    assert len(await sync_rows.runs_of_host(grace.id)) == 1, "nothing ran for Ada's posts"


async def test_one_activitys_page(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    activity = await activities.create(
        ada.host.id,
        ActivityCreate(
            title="Board meeting",
            start=datetime(2026, 12, 3, 9, tzinfo=UTC),
            end=datetime(2026, 12, 3, 10, 30, tzinfo=UTC),
            description="Agenda:\n1. Budget",
            location="Room 4",
            guests=["bob@example.com", "carol@example.com"],
        ),
    )
    await activity_rows.set_attendees(
        activity.id,
        [
            Attendee(email="bob@example.com", response="accepted"),
            Attendee(email="carol@example.com", response="needsAction"),
        ],
    )
    page = await client.get(f"/dashboard/activities/{activity.id}")
    assert page.status_code == 200
    assert "<h1>Board meeting</h1>" in page.text
    assert "Thursday, 2026-12-03, 10:00 to 11:30" in page.text, "in the host's zone"
    assert "Meeting" in page.text
    assert "Room 4" in page.text
    assert "Agenda:\n1. Budget" in page.text
    assert "bob@example.com: accepted" in page.text
    assert "carol@example.com: has not answered" in page.text
    assert "Organised by" not in page.text
    assert "Open" in page.text

    await crm.set_organiser(activity.id, "dora@partner.example")
    await activities.update(ada.host.id, activity.id, ActivityUpdate(completed=True))
    organised = await client.get(f"/dashboard/activities/{activity.id}")
    assert "Organised by dora@partner.example in your calendar: change it there." in (
        organised.text
    )
    assert "Completed" in organised.text

    await crm.trash(activity.id)
    assert (await client.get(f"/dashboard/activities/{activity.id}", headers=HTML)).status_code == (
        404
    )

    grace = await hosts.create(
        HostCreate(email="grace@example.com", slug="grace", time_zone="UTC", password=PASSWORD)
    )
    hers = await activities.create(
        grace.id,
        ActivityCreate(
            title="Grace's secret",
            start=datetime(2026, 12, 3, 9, tzinfo=UTC),
            end=datetime(2026, 12, 3, 10, tzinfo=UTC),
        ),
    )
    other = await client.get(f"/dashboard/activities/{hers.id}", headers=HTML)
    assert other.status_code == 404
    assert "Grace's secret" not in other.text


async def grant_write_access(client: httpx.AsyncClient, account_id: int) -> None:
    """The host follows the page's "Allow Rendezvous to add and change events" link."""
    start = await client.get(f"/calendars/accounts/{account_id}/write-access")
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:  # on Google's own site now
        consent = await browser.get(start.headers["location"])
    back = urlsplit(consent.headers["location"])
    done = await client.get(f"{back.path}?{back.query}")
    assert done.status_code == 303, done.text


def plan_keys(section: str) -> dict[str, tuple[str, bool]]:
    """A plan's rows: title -> (the row's key, ticked)."""
    rows = re.findall(
        r'name="item" value="([^"]+)" id="[^"]+"( checked)?>\s*'
        r'<label class="sr-only" [^>]*>Include: \w+ “([^”]*)”',
        section,
    )
    return {title: (key, bool(ticked)) for key, ticked, title in rows}


async def last_run(host_id: int, account_id: int) -> SyncRun:
    [run] = await sync.list_runs(host_id, account_id=account_id, limit=1)
    return run


async def finished(host_id: int, account_id: int) -> SyncRun | None:
    run = await last_run(host_id, account_id)
    return None if run.status == "running" else run


async def run_over(host_id: int, account_id: int, what: str) -> SyncRun:
    run = await until(lambda: finished(host_id, account_id), what=what)
    assert run is not None
    return run


async def test_preview_untick_sync_now_and_the_stop_to_ask(
    client: httpx.AsyncClient, ada: SignedIn, google: GoogleCalendarEmulator
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    calls = []
    for number in (1, 2, 3):
        start = tomorrow + timedelta(days=number)
        calls.append(
            await activities.create(
                ada.host.id,
                ActivityCreate(
                    title=f"Call {number}", start=start, end=start + timedelta(minutes=30)
                ),
            )
        )
    dentist = google.add_event(
        "ada@example.com",
        summary="Dentist",
        start=tomorrow + timedelta(hours=2),
        end=tomorrow + timedelta(hours=3),
    )
    await connect_in_browser(client)
    [account_id] = await calendar_rows_accounts(ada.host.id)
    await grant_write_access(client, account_id)
    [primary] = [c for c in await calendar_rows.calendars_of_account(account_id) if c.primary]
    types = await type_ids()
    current = await sync.get_settings(ada.host.id, account_id)
    token = await csrf_token(client, PAGE)
    saved = await client.post(
        f"{PAGE}/{account_id}",
        data={
            **settings_form(
                calendar_id=str(primary.id),
                meeting_type_id=str(types["Meeting"]),
                appointment_type_id=str(types["Appointment"]),
                push_type_ids=[str(t) for t in types.values()],
                earliest=current.earliest.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat(),
            ),
            "_csrf_token": token,
        },
    )
    assert saved.status_code == 303, saved.text

    preview = await client.post(f"{PAGE}/{account_id}/preview", data={"_csrf_token": token})
    assert preview.status_code == 303
    assert re.fullmatch(rf"{PAGE}\?preview=\d+#sync-{account_id}", preview.headers["location"])
    page = (await client.get(preview.headers["location"])).text
    assert "What Sync now will do" in page
    keys = plan_keys(account_section(page, account_id))
    assert keys == {
        "Call 1": (f"a:{calls[0].id}", True),
        "Call 2": (f"a:{calls[1].id}", True),
        "Call 3": (f"a:{calls[2].id}", True),
        "Dentist": (f"e:{dentist['id']}", True),
    }
    assert [e["summary"] for e in google.events("ada@example.com")] == ["Dentist"], "a dry run"

    ran = await client.post(
        f"{PAGE}/{account_id}/run",
        data={
            "shown": [key for key, _ in keys.values()],
            "item": [keys[f"Call {n}"][0] for n in (1, 2, 3)],
            "_csrf_token": token,
        },
    )
    assert ran.status_code == 303
    assert ran.headers["location"] == f"{PAGE}#sync-{account_id}"
    run = await run_over(ada.host.id, account_id, "the sync to finish")
    assert (run.status, run.trigger, run.counts) == ("done", "manual", {"calendar": {"create": 3}})
    assert sorted(e["summary"] for e in google.events("ada@example.com")) == [
        "Call 1",
        "Call 2",
        "Call 3",
        "Dentist",
    ]
    assert "Dentist" not in [a.title for a in await activities.list_for(ada.host.id)]
    assert (await sync.get_settings(ada.host.id, account_id)).excluded_event_ids == [dentist["id"]]
    page = (await client.get(PAGE)).text
    assert "In the calendar: 3 create (done)" in account_section(page, account_id)

    # The unticked event stays unticked in the next preview.
    preview = await client.post(f"{PAGE}/{account_id}/preview", data={"_csrf_token": token})
    page = (await client.get(preview.headers["location"])).text
    assert plan_keys(account_section(page, account_id)) == {
        "Dentist": (f"e:{dentist['id']}", False)
    }
    assert "Skipped: you unticked it" in account_section(page, account_id)

    # Every pushed event gone from the calendar at once: the sync stops to ask.
    for event in google.events("ada@example.com"):
        if event["summary"].startswith("Call"):
            google.delete_event("ada@example.com", event["id"])
    await client.post(f"{PAGE}/{account_id}/run", data={"_csrf_token": token})
    run = await run_over(ada.host.id, account_id, "the sync to stop")
    assert run.status == "stopped"
    section = account_section((await client.get(PAGE)).text, account_id)
    assert "The last sync stopped to ask you" in section
    assert "This sync would delete every synced item on one side." in section
    assert "Go on anyway" in section
    assert len(await activities.list_for(ada.host.id)) == 3, "nothing written yet"

    go_on = re.search(
        r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="_csrf_token"[^>]*>\s*'
        r'<input type="hidden" name="confirm" value="yes">',
        section,
    )
    assert go_on
    # As the page shows it: the trashing ticked, the unticked event still unticked.
    stopped = plan_keys(section)
    assert stopped["Dentist"] == (f"e:{dentist['id']}", False)
    assert all(stopped[f"Call {n}"][1] for n in (1, 2, 3))
    await client.post(
        go_on.group(1),
        data={
            "confirm": "yes",
            "shown": [key for key, _ in stopped.values()],
            "item": [key for key, ticked in stopped.values() if ticked],
            "_csrf_token": token,
        },
    )
    run = await run_over(ada.host.id, account_id, "the confirmed sync")
    assert run.status == "done"
    assert await activities.list_for(ada.host.id) == [], "trashed, as the calendar said"
    assert "The last sync stopped to ask you" not in (await client.get(PAGE)).text
