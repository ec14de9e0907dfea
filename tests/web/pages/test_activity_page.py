"""One activity's page changes it: every field from one form, every problem at once,
the fields a calendar's organiser owns locked, deletion behind a confirmation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from integrations.sync import crm
from tests.conftest import SignedIn
from tests.web.pages.test_account import PASSWORD, csrf_token, sign_in

HTML = {"Accept": "text/html"}


async def board_meeting(host_id: int) -> int:
    created = await activities.create(
        host_id,
        ActivityCreate(
            title="Board meeting",
            start=datetime(2026, 12, 3, 9, tzinfo=UTC),
            end=datetime(2026, 12, 3, 10, tzinfo=UTC),
        ),
    )
    return created.id


async def save(client: httpx.AsyncClient, activity_id: int, **fields: str) -> httpx.Response:
    path = f"/dashboard/activities/{activity_id}"
    return await client.post(
        path, data={**fields, "_csrf_token": await csrf_token(client, path)}, headers=HTML
    )


async def test_every_field_changes_from_the_form(client: httpx.AsyncClient, ada: SignedIn) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    activity_id = await board_meeting(ada.host.id)
    types = {t.name: t.id for t in await activities.types()}
    page = await client.get(f"/dashboard/activities/{activity_id}")
    # Ada is in Berlin: 09:00 UTC is 10:00 on the form.
    assert 'value="2026-12-03T10:00"' in page.text

    saved = await save(
        client, activity_id, title="Board meeting (moved)", activity_type_id=str(types["Call"]),
        start="2026-12-04T14:00", end="2026-12-04T15:30", location="Room 7",
        description="New agenda", show_as="tentative", private="on", completed="on",
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith("?saved=1")
    changed = await activities.get(ada.host.id, activity_id)
    assert (changed.title, changed.activity_type.name) == ("Board meeting (moved)", "Call")
    assert changed.start == datetime(2026, 12, 4, 13, tzinfo=UTC)
    assert changed.end == datetime(2026, 12, 4, 14, 30, tzinfo=UTC)
    assert (changed.location, changed.description, changed.show_as) == (
        "Room 7", "New agenda", "tentative",
    )  # fmt: skip
    assert changed.private
    assert changed.completed


async def test_every_problem_is_named_at_once_and_nothing_is_saved(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    activity_id = await board_meeting(ada.host.id)
    refused = await save(
        client, activity_id, title="  ", activity_type_id="999999",
        start="2026-12-04T14:00", end="2026-12-04T13:00", show_as="sometimes",
        location="Typed, kept",
    )  # fmt: skip
    assert refused.status_code == 422
    for field in ("title", "activity_type_id", "end", "show_as"):
        assert re.search(f'id="{field}-error"', refused.text), field
    assert "4 fields need a change" in refused.text
    assert 'value="Typed, kept"' in refused.text
    unchanged = await activities.get(ada.host.id, activity_id)
    assert unchanged.title == "Board meeting"


async def test_an_event_someone_else_organises_changes_only_type_and_completion(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    activity_id = await board_meeting(ada.host.id)
    await crm.set_organiser(activity_id, "dora@partner.example")
    page = await client.get(f"/dashboard/activities/{activity_id}")
    assert re.search(r'<input id="title"[^>]*disabled', page.text)
    types = {t.name: t.id for t in await activities.types()}
    saved = await save(
        client, activity_id, title="Mine now", activity_type_id=str(types["Call"]), completed="on"
    )
    assert saved.status_code == 303, saved.text
    after = await activities.get(ada.host.id, activity_id)
    assert (after.title, after.activity_type.name, after.completed) == (
        "Board meeting", "Call", True,
    )  # fmt: skip


async def test_delete_is_confirmed_and_a_deleted_activity_is_not_found(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    await sign_in(client, "ada@example.com", PASSWORD)
    activity_id = await board_meeting(ada.host.id)
    page = await client.get(f"/dashboard/activities/{activity_id}")
    assert "<summary>Delete this activity</summary>" in page.text
    path = f"/dashboard/activities/{activity_id}/delete"
    token = await csrf_token(client, f"/dashboard/activities/{activity_id}")
    gone = await client.post(path, data={"_csrf_token": token})
    assert gone.status_code == 303
    assert gone.headers["location"] == "/dashboard/activities"
    assert await activities.list_for(ada.host.id) == []
    again = await client.post(path, data={"_csrf_token": token}, headers=HTML)
    assert again.status_code == 404
