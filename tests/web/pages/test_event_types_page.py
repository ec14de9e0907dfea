"""The event types pages, as a signed-in host uses them: create and edit every field,
every bad field shown at once with what was typed kept, hide and unhide, delete
behind a confirm step (refused with bookings, hiding offered), Zoom offered only
once connected, and the conflict calendars each event type checks."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine

from booking.activities import service as activities
from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import ScheduleCreate
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository as calendars_repository
from integrations.calendars import service as calendars
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

LIST = "/dashboard/event-types"
NEW = f"{LIST}/new"
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)

#: What the form posts for a plain 30 minute event type (the new form's defaults).
PLAIN = {
    "title": "Intro call", "slug": "", "description": "", "duration_minutes": "30",
    "step_minutes": "", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
    "minimum_notice_minutes": "0", "horizon_kind": "rolling", "horizon_days": "60",
    "horizon_start": "", "horizon_end": "", "max_per_day": "", "max_per_week": "",
    "location_kind": "none", "location_value": "", "schedule_id": "", "activity_type_id": "",
    "calendars": "all",
}  # fmt: skip


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def errors_on(page: str) -> dict[str, str]:
    """Field -> the message shown next to it."""
    found = re.findall(r'<p class="field-error error" id="([a-z_]+)-error">(.*?)</p>', page)
    return {name: html.unescape(text) for name, text in found}


def made_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[-1].split("?")[0])


async def signed_in(client: httpx.AsyncClient, ada: SignedIn) -> str:
    await sign_in(client, ada.host.email, PASSWORD)
    return await csrf_token(client, NEW)


async def conflict_calendar(host_id: int, name: str) -> int:
    account = await accounts_repository.insert(
        {"host": host_id, "provider": "google", "purpose": "calendar", "external_id": name,
         "external_email": f"{name}@example.com", "scopes": "", "connected_at": NOW}
    )  # fmt: skip
    return await calendars_repository.insert_calendar(
        {"account": account, "remote_id": name, "name": name, "primary": True, "is_conflict": True}
    )


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in (LIST, NEW):
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")


async def test_create_then_edit_every_field(client: httpx.AsyncClient, ada: SignedIn) -> None:
    token = await signed_in(client, ada)
    evenings = await schedules.create(
        ada.host.id,
        ScheduleCreate(name="Evenings", time_zone="UTC", weekly={"monday": ["18:00-21:00"]}),
    )
    types = {t.name: t.id for t in await activities.types()}
    made = await client.post(
        LIST,
        data={
            **PLAIN, "_csrf_token": token, "title": "Intro call", "description": "Say hello.",
            "duration_minutes": "45", "step_minutes": "15", "buffer_before_minutes": "5",
            "buffer_after_minutes": "10", "minimum_notice_minutes": "120", "horizon_days": "30",
            "max_per_day": "3", "max_per_week": "10", "location_kind": "phone",
            "location_value": "+49 30 1234567", "schedule_id": str(evenings.id),
            "activity_type_id": str(types["Appointment"]),
        },
    )  # fmt: skip
    event_type_id = made_id(made)
    saved = await event_types.get(ada.host.id, event_type_id)
    assert (saved.title, saved.slug, saved.description) == (
        "Intro call",
        "intro-call",
        "Say hello.",
    )
    assert (saved.duration_minutes, saved.step_minutes) == (45, 15)
    assert (saved.buffer_before_minutes, saved.buffer_after_minutes) == (5, 10)
    assert (saved.minimum_notice_minutes, saved.horizon_days) == (120, 30)
    assert (saved.max_per_day, saved.max_per_week) == (3, 10)
    assert (saved.location_kind, saved.location_value) == ("phone", "+49 30 1234567")
    assert (saved.schedule_id, saved.activity_type_id) == (evenings.id, types["Appointment"])
    assert not saved.hidden

    page = await client.get(made.headers["location"])
    assert "Saved Intro call." in page.text
    assert (
        'id="duration_minutes" name="duration_minutes" inputmode="numeric" value="45"' in page.text
    )
    assert f'<option value="{evenings.id}" selected>Evenings' in page.text
    assert 'data-copy="http://127.0.0.1:8000/ada/intro-call"' in page.text

    changed = await client.post(
        f"{LIST}/{event_type_id}",
        data={
            **PLAIN, "_csrf_token": token, "title": "Deep dive", "slug": "deep-dive",
            "description": "", "duration_minutes": "60", "step_minutes": "",
            "buffer_before_minutes": "0", "buffer_after_minutes": "0",
            "minimum_notice_minutes": "0", "horizon_kind": "fixed", "horizon_days": "30",
            "horizon_start": "2026-04-01", "horizon_end": "2026-04-30", "max_per_day": "",
            "max_per_week": "", "location_kind": "in_person", "location_value": "Main St 1",
            "schedule_id": "", "activity_type_id": str(types["Meeting"]), "hidden": "1",
        },
    )  # fmt: skip
    assert made_id(changed) == event_type_id
    saved = await event_types.get(ada.host.id, event_type_id)
    assert (saved.title, saved.slug, saved.description) == ("Deep dive", "deep-dive", "")
    assert (saved.duration_minutes, saved.step_minutes) == (60, None)
    assert (saved.buffer_before_minutes, saved.buffer_after_minutes) == (0, 0)
    assert saved.minimum_notice_minutes == 0
    assert (saved.horizon_days, saved.horizon_start, saved.horizon_end) == (
        None, date(2026, 4, 1), date(2026, 4, 30),
    )  # fmt: skip
    assert (saved.max_per_day, saved.max_per_week) == (None, None)
    assert (saved.location_kind, saved.location_value) == ("in_person", "Main St 1")
    assert (saved.schedule_id, saved.activity_type_id) == (None, types["Meeting"])
    assert saved.hidden

    page = await client.get(f"{LIST}/{event_type_id}")
    assert re.search(r'name="horizon_kind" value="fixed" checked', page.text)
    assert 'value="2026-04-30"' in page.text


async def test_every_bad_field_is_shown_at_once_and_nothing_is_saved(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await signed_in(client, ada)
    await conflict_calendar(ada.host.id, "Work")
    typed = {
        **PLAIN, "_csrf_token": token, "title": "  ", "slug": "Not A Slug",
        "duration_minutes": "3", "step_minutes": "soon", "buffer_before_minutes": "-5",
        "buffer_after_minutes": "", "minimum_notice_minutes": "9999999",
        "horizon_kind": "fixed", "horizon_start": "2026-05-01", "horizon_end": "2026-04-01",
        "max_per_day": "0", "max_per_week": "5000", "location_kind": "in_person",
        "location_value": "", "schedule_id": "999999", "activity_type_id": "999999",
        "calendars": "chosen",
    }  # fmt: skip
    refused = await client.post(LIST, data=typed)
    assert refused.status_code == 422
    assert errors_on(refused.text) == {
        "title": "must not be blank.",
        "slug": "use 1-64 lowercase letters, digits and inner hyphens (e.g. 'intro-call').",
        "duration_minutes": "must be at least 5.",
        "step_minutes": "must be a whole number.",
        "buffer_before_minutes": "must be at least 0.",
        "buffer_after_minutes": "is required.",
        "minimum_notice_minutes": "must be at most 525600.",
        "horizon_end": "must be on or after horizon_start.",
        "max_per_day": "must be at least 1.",
        "max_per_week": "must be at most 1000.",
        "location_value": "give an address for location_kind 'in_person'.",
        "schedule_id": "No such schedule; use one of your schedules, or null for the default.",
        "activity_type_id": "No such activity type.",
        "calendar_ids": 'Tick at least one calendar, or choose "Every conflict calendar".',
    }
    assert "Nothing was saved: 14 fields need fixing." in refused.text
    assert 'value="Not A Slug"' in refused.text
    assert 'value="soon"' in refused.text
    assert 'value="9999999"' in refused.text
    assert 'aria-invalid="true" aria-describedby="duration_minutes-error"' in refused.text
    assert await event_types.list_for_host(ada.host.id) == []


async def test_a_taken_slug_is_shown_at_the_slug(client: httpx.AsyncClient, ada: SignedIn) -> None:
    token = await signed_in(client, ada)
    made_id(await client.post(LIST, data={**PLAIN, "_csrf_token": token}))
    twin = await client.post(LIST, data={**PLAIN, "_csrf_token": token, "slug": "intro-call"})
    assert twin.status_code == 409
    assert "slug" in errors_on(twin.text)
    assert 'value="intro-call"' in twin.text


async def test_hide_and_unhide_from_the_list(client: httpx.AsyncClient, ada: SignedIn) -> None:
    token = await signed_in(client, ada)
    event_type_id = made_id(await client.post(LIST, data={**PLAIN, "_csrf_token": token}))
    listed = await client.get(LIST)
    assert f'href="{LIST}/{event_type_id}">Intro call</a>' in listed.text
    assert "30 min" in listed.text
    assert 'href="http://127.0.0.1:8000/ada/intro-call"' in listed.text
    assert "Copy link" in listed.text
    assert 'aria-live="polite"' in listed.text
    assert (await client.get("/ada/intro-call")).status_code == 200

    hide = await client.post(
        f"{LIST}/{event_type_id}/hidden", data={"_csrf_token": token, "hidden": "1"}
    )
    assert hide.status_code == 303
    listed = await client.get(LIST)
    assert 'class="tag">Hidden</span>' in listed.text
    assert "Unhide<span" in listed.text
    assert (await client.get("/ada/intro-call")).status_code == 404

    await client.post(f"{LIST}/{event_type_id}/hidden", data={"_csrf_token": token, "hidden": "0"})
    assert not (await event_types.get(ada.host.id, event_type_id)).hidden


async def test_delete_asks_first_and_is_refused_with_bookings(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await signed_in(client, ada)
    spare = made_id(await client.post(LIST, data={**PLAIN, "_csrf_token": token}))
    confirm = await client.get(f"{LIST}/{spare}/delete")
    assert "Delete Intro call?" in confirm.text
    assert "This cannot be undone." in confirm.text
    gone = await client.post(f"{LIST}/{spare}/delete", data={"_csrf_token": token})
    assert gone.status_code == 303
    assert await event_types.list_for_host(ada.host.id) == []

    booked = await event_types.create(
        ada.host.id, EventTypeCreate(title="Booked", slug="booked", duration_minutes=30)
    )
    answer = await client.post(
        "/api/v1/public/ada/booked/bookings",
        json={"start": "2026-03-03T09:00:00Z", "name": "Grace Hopper",
              "email": "grace@example.com", "time_zone": "America/New_York"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    confirm = await client.get(f"{LIST}/{booked.id}/delete")
    assert "has bookings, so it cannot be deleted" in confirm.text
    assert "Hide Booked</button>" in confirm.text
    refused = await client.post(f"{LIST}/{booked.id}/delete", data={"_csrf_token": token})
    assert refused.status_code == 409
    assert "hide it instead" in refused.text
    assert [t.title for t in await event_types.list_for_host(ada.host.id)] == ["Booked"]


async def test_zoom_is_offered_only_once_connected(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await signed_in(client, ada)
    page = await client.get(NEW)
    assert '<option value="zoom"' not in page.text
    assert 'href="/dashboard/video">connect Zoom</a>' in page.text
    refused = await client.post(LIST, data={**PLAIN, "_csrf_token": token, "location_kind": "zoom"})
    assert refused.status_code == 422
    assert errors_on(refused.text) == {"location_kind": event_types.ZOOM_NOT_CONNECTED}

    await accounts_repository.insert(
        {"host": ada.host.id, "provider": "zoom", "purpose": "video", "external_id": "z1",
         "external_email": "ada@example.com", "scopes": "", "connected_at": NOW}
    )  # fmt: skip
    page = await client.get(NEW)
    assert '<option value="zoom"' in page.text
    made = await client.post(LIST, data={**PLAIN, "_csrf_token": token, "location_kind": "zoom"})
    saved = await event_types.get(ada.host.id, made_id(made))
    assert saved.location_kind == "zoom"


async def test_choose_the_conflict_calendars_it_checks(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await signed_in(client, ada)
    work = await conflict_calendar(ada.host.id, "Work")
    home = await conflict_calendar(ada.host.id, "Home")
    page = await client.get(NEW)
    assert f'name="calendar_ids" value="{work}"' in page.text
    made = await client.post(
        LIST,
        data={**PLAIN, "_csrf_token": token, "calendars": "chosen", "calendar_ids": [str(work)]},
    )
    event_type_id = made_id(made)
    chosen = await calendars.event_type_calendars(ada.host.id, event_type_id)
    assert (chosen.uses_default, chosen.calendar_ids) == (False, [work])
    page = await client.get(f"{LIST}/{event_type_id}")
    assert f'name="calendar_ids" value="{work}" checked' in page.text
    assert f'name="calendar_ids" value="{home}" >' in page.text

    kept = await event_types.get(ada.host.id, event_type_id)
    back = await client.post(
        f"{LIST}/{event_type_id}",
        data={
            **PLAIN, "_csrf_token": token, "slug": "intro-call", "calendars": "all",
            "activity_type_id": str(kept.activity_type_id),
        },
    )  # fmt: skip
    made_id(back)
    chosen = await calendars.event_type_calendars(ada.host.id, event_type_id)
    assert chosen.uses_default
    assert chosen.calendar_ids == sorted([work, home])


async def test_another_hosts_event_type_is_not_found(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    token = await signed_in(client, ada)
    grace = await hosts.create(
        HostCreate(email="grace@example.com", slug="grace", time_zone="UTC", name="Grace")
    )
    theirs = await event_types.create(
        grace.id, EventTypeCreate(title="Theirs", duration_minutes=30)
    )
    for path in (f"{LIST}/{theirs.id}", f"{LIST}/{theirs.id}/delete"):
        assert (await client.get(path)).status_code == 404
    refused = await client.post(f"{LIST}/{theirs.id}/delete", data={"_csrf_token": token})
    assert refused.status_code == 404
    hide = await client.post(
        f"{LIST}/{theirs.id}/hidden", data={"_csrf_token": token, "hidden": "1"}
    )
    assert hide.status_code == 404
    assert not (await event_types.get(grace.id, theirs.id)).hidden
