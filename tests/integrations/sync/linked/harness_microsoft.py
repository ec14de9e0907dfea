"""The Microsoft linked-calendar harness: the Graph emulator, a grant through the real
consent (msal), and the host's hands in Outlook through the emulator's control API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integrations.providers.microsoft.client import MicrosoftCalendarProvider
from integrations.providers.microsoft.linked import MicrosoftLinkedCalendar
from integrations.providers.microsoft.oauth import WRITE_SCOPES
from integrations.sync.items import EventFields, Guest
from tests.emulators.microsoft import MicrosoftGraphEmulator
from tests.integrations.providers.microsoft.helpers import consent_tokens, microsoft_app

HOST = "hanna@contoso.example"
RESPONSES = {"accepted": "accepted", "declined": "declined", "tentative": "tentativelyAccepted"}


def _time(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.astimezone(UTC).replace(tzinfo=None).isoformat(), "timeZone": "UTC"}


def _attendee(guest: Guest) -> dict[str, Any]:
    return {
        "type": "required",
        "emailAddress": {"address": guest.email, "name": guest.email},
        "status": {"response": RESPONSES.get(guest.response, "none")},
    }


def _graph(changes: dict[str, object]) -> dict[str, Any]:
    """``EventFields`` names as Outlook would set them (written here, not with the
    adapter's codec, so that the codec is what the suite tests)."""
    graph: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            graph["subject"] = value
        elif name in ("start", "end"):
            assert isinstance(value, datetime)
            graph[name] = _time(value)
        elif name == "all_day":
            graph["isAllDay"] = value
        elif name == "location":
            graph["location"] = {"displayName": value}
        elif name == "description":
            graph["body"] = {"contentType": "html", "content": f"<p>{value}</p>"}
        elif name == "show_as":
            graph["showAs"] = value
        elif name == "private":
            graph["sensitivity"] = "private" if value else "normal"
        elif name == "guests":
            assert isinstance(value, tuple)
            graph["attendees"] = [_attendee(g) for g in value]
        else:
            raise ValueError(f"no Outlook field for {name}")
    return graph


@dataclass
class MicrosoftHarness:
    ms: MicrosoftGraphEmulator
    calendar: MicrosoftLinkedCalendar
    calendar_id: str
    other_calendar_id: str
    name: str = "microsoft"
    host_email: str = HOST

    def user_creates(
        self,
        fields: EventFields,
        *,
        organiser: str | None = None,
        daily_count: int | None = None,
    ) -> str:
        graph = _graph(
            {n: getattr(fields, n) for n in EventFields.__struct_fields__ if n != "guests"}
        )
        if fields.guests:
            graph["attendees"] = [_attendee(g) for g in fields.guests]
        if organiser is not None:
            graph["organizer"] = {"emailAddress": {"address": organiser, "name": organiser}}
            mine = next((g for g in fields.guests if g.email == HOST), None)
            response = RESPONSES.get(mine.response if mine else "", "notResponded")
            graph["responseStatus"] = {"response": response, "time": "0001-01-01T00:00:00Z"}
        if daily_count is not None:
            graph["recurrence"] = {
                "pattern": {"type": "daily", "interval": 1},
                "range": {
                    "type": "numbered",
                    "startDate": fields.start.astimezone(UTC).date().isoformat(),
                    "numberOfOccurrences": daily_count,
                    "recurrenceTimeZone": "UTC",
                },
            }
        start, end = graph.pop("start"), graph.pop("end")
        made = self.ms.add_event(self.calendar_id, start=start, end=end, **graph)
        return str(made["id"])

    def user_edits(self, remote_id: str, **changes: object) -> None:
        self.ms.edit_event(remote_id, **_graph(changes))

    def user_edits_occurrence(
        self, series_id: str, original_start: datetime, **changes: object
    ) -> None:
        self.ms.edit_event(self.ms.occurrence_id(series_id, original_start), **_graph(changes))

    def user_deletes(self, remote_id: str) -> None:
        self.ms.delete_event(remote_id)

    def user_moves_out(self, remote_id: str) -> None:
        self.ms.move_event(remote_id, self.other_calendar_id)

    def make_read_only(self) -> None:
        self.ms.set_calendar_can_edit(self.calendar_id, False)

    def expire_state(self) -> None:
        self.ms.expire_delta_tokens()

    def fail_next(self, status: int, *, retry_after: int | None = None) -> None:
        self.ms.fail_next(1, status, retry_after=retry_after)

    def notifications_sent(self) -> int:
        return self.ms.messages_sent

    def raw_description(self, remote_id: str) -> str:
        return str(self.ms.event(remote_id)["body"]["content"])


@contextmanager
def linked_harness(tmp_path: Path) -> Iterator[MicrosoftHarness]:
    with MicrosoftGraphEmulator(user_email=HOST) as ms:
        linked = str(ms.add_calendar("Work")["id"])
        other = str(ms.add_calendar("Personal")["id"])
        app = microsoft_app(ms, timeout=5.0)
        client = MicrosoftCalendarProvider(app, consent_tokens(ms, app, WRITE_SCOPES))
        calendar = MicrosoftLinkedCalendar(
            client, linked, link_for=lambda activity: f"https://rdv.example/activities/{activity}"
        )
        yield MicrosoftHarness(ms, calendar, linked, other)
