"""Queries on calendars that the sync and the slots path rely on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from booking.hosts.schemas import Host
from integrations.accounts.tables import ConnectedAccount
from integrations.calendars import repository
from integrations.calendars.tables import BusyBlock, Calendar
from tests.integrations.calendars.helpers import at


async def _calendar(host: Host) -> int:
    account = ConnectedAccount(
        host=host.id, provider="google", external_email="ada@example.com", credentials="x"
    )
    await account.save()
    calendar = Calendar(account=account.id, remote_id="ada@example.com", is_conflict=True)
    await calendar.save()
    return int(calendar.id)


def _row(calendar_id: int, number: int, **changes: Any) -> dict[str, Any]:
    start = at(2, 9) + timedelta(minutes=number)
    return {
        "calendar": calendar_id, "remote_id": f"e{number}", "ical_uid": f"u{number}",
        "etag": "1", "start_at": start, "end_at": start + timedelta(minutes=30),
        "all_day": False, "busy": True, "tentative": False, "private": False,
        "title": f"Meeting {number}", "recurring_event_id": None, "original_start": None,
        "sync_generation": 1, **changes,
    }  # fmt: skip


async def _stored(calendar_id: int) -> dict[str, dict[str, Any]]:
    rows = await BusyBlock.select().where(BusyBlock.calendar == calendar_id)
    return {row["remote_id"]: row for row in rows}


async def test_upsert_inserts_then_updates_every_column_across_chunks(host: Host) -> None:
    calendar_id = await _calendar(host)
    count = 1_234  # more than two INSERT statements' worth
    await repository.upsert_blocks([_row(calendar_id, n) for n in range(count)])
    stored = await _stored(calendar_id)
    assert len(stored) == count
    first = stored["e0"]
    assert (first["start_at"], first["end_at"]) == (at(2, 9), at(2, 9, 30))
    assert (first["busy"], first["private"], first["title"]) == (True, False, "Meeting 0")

    # The same events again, changed: updated in place, nothing duplicated.
    moved = {
        "ical_uid": "moved", "etag": "2", "start_at": at(3, 14), "end_at": at(3, 15),
        "all_day": True, "busy": False, "tentative": True, "private": True, "title": None,
        "recurring_event_id": "series", "original_start": "2030-01-03", "sync_generation": 2,
    }  # fmt: skip
    await repository.upsert_blocks([_row(calendar_id, n, **moved) for n in range(0, count, 2)])
    stored = await _stored(calendar_id)
    assert len(stored) == count
    changed = stored["e0"]
    assert {key: changed[key] for key in moved} == moved
    assert stored["e1"]["etag"] == "1", "rows not in the batch are left alone"
