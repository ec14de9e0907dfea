"""The sync settings and run log through the API: defaults, every refusal a host can
meet (with what to do about it), one linked calendar per host, and other hosts'
accounts and runs staying invisible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from integrations.accounts import repository as accounts_repository
from integrations.calendars import repository as calendars_repository
from integrations.providers.google.oauth import READ_SCOPES, WRITE_SCOPES
from integrations.sync import repository as sync_repository
from tests.conftest import SignedIn

CONNECTED = datetime(2026, 10, 1, 9, tzinfo=UTC)


async def account(host_id: int, provider: str, *, write: bool = True, name: str = "a") -> int:
    scopes = READ_SCOPES + (WRITE_SCOPES if write else ())
    account_id = await accounts_repository.insert(
        {
            "host": host_id,
            "provider": provider,
            "purpose": "calendar",
            "external_id": f"{name}-{provider}",
            "external_email": f"{name}@example.com",
            "scopes": " ".join(scopes) if provider == "google" else "",
            "connected_at": CONNECTED,
        }
    )
    await calendars_repository.insert_calendar(
        {"account": account_id, "remote_id": f"{name}-primary", "name": "Main", "primary": True}
    )
    return account_id


async def test_settings_start_off_with_the_documented_defaults(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    account_id = await account(ada.host.id, "google")
    answer = await client.get(
        f"/api/v1/calendar-accounts/{account_id}/sync-settings", headers=ada.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["mode"] == "off"
    assert (body["days_back"], body["days_ahead"]) == (30, 365)
    assert datetime.fromisoformat(body["earliest"]) == CONNECTED
    assert (body["winner"], body["guests"], body["notify"]) == ("calendar", "create", "failures")
    types = {
        t["id"]: t["name"]
        for t in (await client.get("/api/v1/activity-types", headers=ada.headers)).json()
    }
    assert types[body["meeting_type_id"]] == "Meeting"
    assert types[body["appointment_type_id"]] == "Appointment"
    assert body["can_write"]


async def test_a_read_only_grant_is_told_to_ask_for_write_access(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    account_id = await account(ada.host.id, "google", write=False)
    answer = await client.patch(
        f"/api/v1/calendar-accounts/{account_id}", json={"mode": "one_way"}, headers=ada.headers
    )
    assert answer.status_code == 409, answer.text
    assert f"/calendar-accounts/{account_id}/write-access" in answer.json()["detail"]
    assert await sync_repository.settings(account_id) is None


async def test_an_ics_feed_cannot_be_linked(client: httpx.AsyncClient, ada: SignedIn) -> None:
    account_id = await account(ada.host.id, "ics")
    answer = await client.patch(
        f"/api/v1/calendar-accounts/{account_id}", json={"mode": "two_way"}, headers=ada.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "mode"


async def test_bad_values_are_named(client: httpx.AsyncClient, ada: SignedIn) -> None:
    account_id = await account(ada.host.id, "caldav")
    other = await account(ada.host.id, "caldav", name="b")
    (foreign,) = await calendars_repository.calendars_of_account(other)
    url = f"/api/v1/calendar-accounts/{account_id}"
    cases = [
        ({"calendar_id": foreign.id}, 422, "calendar_id"),
        ({"meeting_type_id": 99999}, 422, "meeting_type_id"),
        ({"active_from": "08:00"}, 422, "active_until"),
        ({"active_from": "25:00", "active_until": "09:00"}, 400, "active_from"),
        ({"barred": ["crm:explode"]}, 400, "barred[0]"),
        ({"every_minutes": 1}, 400, "every_minutes"),
    ]
    for body, status, field in cases:
        answer = await client.patch(url, json=body, headers=ada.headers)
        assert answer.status_code == status, (body, answer.text)
        assert field in answer.text, (body, answer.text)


async def test_one_linked_calendar_per_host(client: httpx.AsyncClient, ada: SignedIn) -> None:
    first = await account(ada.host.id, "caldav", name="first")
    second = await account(ada.host.id, "google", name="second")
    for account_id in (first, second):
        answer = await client.patch(
            f"/api/v1/calendar-accounts/{account_id}",
            json={"mode": "two_way", "barred": ["calendar:delete"], "every_minutes": 30},
            headers=ada.headers,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["barred"] == ["calendar:delete"]
    modes = {
        a: (
            await client.get(f"/api/v1/calendar-accounts/{a}/sync-settings", headers=ada.headers)
        ).json()["mode"]
        for a in (first, second)
    }
    assert modes == {first: "off", second: "two_way"}
    # Linking made the calendar a conflict calendar: its events are busy time.
    (linked,) = await calendars_repository.calendars_of_account(second)
    assert linked.is_conflict


async def test_other_hosts_accounts_and_runs_are_not_found(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    bob = await hosts.create(
        HostCreate(email="bob@example.com", slug="bob", time_zone="UTC", name="Bob")
    )
    bobs = await account(bob.id, "caldav", name="bob")
    run_id = await sync_repository.start_run(
        bobs, bob.id, "manual", "off", False, CONNECTED + timedelta(days=1)
    )
    for method, url in (
        ("GET", f"/api/v1/calendar-accounts/{bobs}/sync-settings"),
        ("PATCH", f"/api/v1/calendar-accounts/{bobs}"),
        ("POST", f"/api/v1/calendar-accounts/{bobs}/sync?dry_run=true"),
        ("GET", f"/api/v1/sync-runs/{run_id}"),
    ):
        answer = await client.request(
            method, url, json={} if method != "GET" else None, headers=ada.headers
        )
        assert answer.status_code == 404, (url, answer.text)
    assert (await client.get("/api/v1/sync-runs", headers=ada.headers)).json() == []


async def test_a_run_while_sync_is_off_is_logged_as_skipped(
    client: httpx.AsyncClient, ada: SignedIn
) -> None:
    account_id = await account(ada.host.id, "caldav")
    answer = await client.post(f"/api/v1/calendar-accounts/{account_id}/sync", headers=ada.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "skipped"
    (logged,) = (await client.get("/api/v1/sync-runs", headers=ada.headers)).json()
    assert logged["id"] == answer.json()["id"]
    assert logged["trigger"] == "api"
