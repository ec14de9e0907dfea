"""The working hours pages, as a signed-in host uses them: the list with the default
marked, a new schedule with several ranges a day and date overrides, every bad range
marked at once, and the zone list the picker searches."""

from __future__ import annotations

import re

import httpx

from booking.schedules import service as schedules
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

LIST = "/dashboard/schedules"

REST_OF_WEEK = ("tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_OFF = {f"{day}_{edge}": "" for day in REST_OF_WEEK for edge in ("start", "end")}


def fields(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields in order, repeated names kept (the editor posts a row per range)."""
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def invalid_rows(page: str) -> list[str]:
    """The messages shown next to rows and fields, in page order."""
    return [html_text(m) for m in re.findall(r'<p class="field-error[^"]*"[^>]*>(.*?)</p>', page)]


def html_text(fragment: str) -> str:
    return fragment.replace("&#39;", "'").replace("&amp;", "&")


async def test_signed_out_hosts_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in (LIST, f"{LIST}/new"):
        page = await client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")


async def test_the_list_marks_the_default(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(LIST)
    assert page.status_code == 200
    default = await schedules.get_default(ada.host.id)
    assert f'href="{LIST}/{default.id}">Working hours</a>' in page.text
    assert 'class="tag">Default</span>' in page.text
    assert "09:00\u201317:00" in page.text  # an en dash between the times
    assert re.search(r"Central European Time - Berlin \(UTC\+0[12]:00\)", page.text)


async def test_create_with_several_ranges_a_day_and_overrides(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, f"{LIST}/new")
    form = [
        ("_csrf_token", token),
        ("name", "Split days"),
        ("time_zone", "America/New_York"),
        ("monday_start", "13:00"), ("monday_end", "17:00"),
        ("monday_start", "09:00"), ("monday_end", "12:00"),
        ("monday_start", ""), ("monday_end", ""),  # the blank row to fill in
        ("override_date", "2026-12-24"), ("override_kind", "hours"),
        ("override_start", "10:00"), ("override_end", "12:00"),
        ("override_date", "2026-12-24"), ("override_kind", "hours"),
        ("override_start", "14:00"), ("override_end", "15:00"),
        ("override_date", "2026-12-25"), ("override_kind", "off"),
        ("override_start", ""), ("override_end", ""),
        ("override_date", ""), ("override_kind", "hours"),
        ("override_start", ""), ("override_end", ""),
        *WEEK_OFF.items(),
    ]  # fmt: skip
    made = await client.post(LIST, data=fields(form))
    assert made.status_code == 303, made.text
    schedule_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    saved = await schedules.get(ada.host.id, schedule_id)
    assert saved.time_zone == "America/New_York"
    assert saved.weekly["monday"] == ["09:00-12:00", "13:00-17:00"]
    assert saved.weekly["tuesday"] == []
    assert saved.overrides == {"2026-12-24": ["10:00-12:00", "14:00-15:00"], "2026-12-25": []}
    assert not saved.is_default

    page = await client.get(made.headers["location"])
    assert "Saved Split days." in page.text
    assert 'name="monday_start" value="09:00"' in page.text
    assert 'name="monday_end" value="17:00"' in page.text
    assert 'name="override_date" value="2026-12-25"' in page.text
    assert re.search(r'<option value="off" selected>Day off</option>', page.text)

    # Edit: Monday loses its afternoon, Christmas Eve becomes a day off.
    edit = [
        ("_csrf_token", token),
        ("name", "Split days"),
        ("time_zone", "America/New_York"),
        ("monday_start", "09:00"), ("monday_end", "12:00"),
        ("monday_start", ""), ("monday_end", ""),
        ("override_date", "2026-12-24"), ("override_kind", "off"),
        ("override_start", ""), ("override_end", ""),
        *WEEK_OFF.items(),
    ]  # fmt: skip
    changed = await client.post(f"{LIST}/{schedule_id}", data=fields(edit))
    assert changed.status_code == 303, changed.text
    saved = await schedules.get(ada.host.id, schedule_id)
    assert saved.weekly["monday"] == ["09:00-12:00"]
    assert saved.overrides == {"2026-12-24": []}

    listed = await client.get(LIST)
    assert "Split days" in listed.text
    assert "Eastern Time - New York (UTC-0" in listed.text


async def test_every_bad_range_is_marked_at_once_and_what_was_typed_stays(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, f"{LIST}/new")
    form = [
        ("_csrf_token", token),
        ("name", " "),
        ("time_zone", "Mars/Olympus"),
        ("monday_start", "09:00"), ("monday_end", "12:00"),
        ("monday_start", "11:00"), ("monday_end", "13:00"),  # overlaps
        ("tuesday_start", "17:00"), ("tuesday_end", "09:00"),  # ends before it starts
        ("wednesday_start", "25:00"), ("wednesday_end", "26:00"),  # impossible
        ("thursday_start", "09:00"), ("thursday_end", ""),  # half a range
        ("override_date", "2026-02-30"), ("override_kind", "hours"),
        ("override_start", "10:00"), ("override_end", "12:00"),
        ("override_date", "2026-12-24"), ("override_kind", "hours"),
        ("override_start", ""), ("override_end", ""),
    ]  # fmt: skip
    refused = await client.post(LIST, data=fields(form))
    assert refused.status_code == 422
    assert "Nothing was saved: 8 fields need fixing." in refused.text
    messages = invalid_rows(refused.text)
    assert messages == [
        "Give the schedule a name.",
        "'Mars/Olympus' is not an IANA time zone such as Europe/Berlin.",
        "'11:00-13:00' overlaps '09:00-12:00'; ranges of a day must not overlap.",
        "'17:00-09:00' does not end after it starts; a range cannot cross midnight "
        "(end the first part at 24:00 and start the next day at 00:00).",
        "'25:00-26:00' holds an impossible time; use 00:00-23:59, or 24:00 as an end.",
        "Give both a start and an end.",
        "'2026-02-30' is not a date like 2026-12-24.",
        "Give a start and an end, or choose a day off.",
    ]
    assert 'value="Mars/Olympus"' in refused.text
    assert 'name="tuesday_start" value="17:00"' in refused.text
    assert 'name="override_date" value="2026-02-30"' in refused.text
    assert [s.name for s in await schedules.list_for_host(ada.host.id)] == ["Working hours"]


async def test_the_zone_picker_lists_friendly_names_with_offsets(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    page = await client.get(f"{LIST}/new")
    assert 'list="zone-list"' in page.text
    assert re.search(
        r'<option value="America/New_York">Eastern Time - New York \(UTC-0[45]:00\)</option>',
        page.text,
    )
    assert re.search(r'<option value="Asia/Kolkata">India Time - Kolkata \(UTC\+05:30\)', page.text)
    assert 'value="Europe/Berlin"' in page.text  # the host's zone is filled in


async def test_the_default_cannot_be_deleted_another_can(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    default = await schedules.get_default(ada.host.id)
    token = await csrf_token(client, f"{LIST}/{default.id}")
    page = await client.get(f"{LIST}/{default.id}")
    assert "Delete this schedule" not in page.text
    refused = await client.post(f"{LIST}/{default.id}/delete", data={"_csrf_token": token})
    assert refused.status_code == 409
    assert "The default schedule cannot be deleted" in refused.text

    form = {"_csrf_token": token, "name": "Evenings", "time_zone": "UTC",
            "friday_start": "18:00", "friday_end": "21:00"}  # fmt: skip
    made = await client.post(LIST, data=form)
    schedule_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    gone = await client.post(f"{LIST}/{schedule_id}/delete", data={"_csrf_token": token})
    assert gone.status_code == 303
    assert [s.name for s in await schedules.list_for_host(ada.host.id)] == ["Working hours"]


async def test_a_city_typed_without_picking_names_its_zone(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, ada.host.email, PASSWORD)
    token = await csrf_token(client, f"{LIST}/new")
    base = {"_csrf_token": token, "name": "Trip", "monday_start": "09:00", "monday_end": "12:00"}
    made = await client.post(LIST, data={**base, "time_zone": "new york"})
    schedule_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    assert (await schedules.get(ada.host.id, schedule_id)).time_zone == "America/New_York"
    vague = await client.post(LIST, data={**base, "time_zone": "America"})
    assert vague.status_code == 422
    assert "'America' is not an IANA time zone" in html_text(vague.text)
