"""The linked-calendar contract against the Google emulator: the host's primary
calendar is the linked one; a second calendar of the same account takes moved events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from integrations.accounts.tokens import OAuthTokens
from integrations.providers.google.client import GoogleCalendarProvider
from integrations.providers.google.linked import GoogleLinkedCalendar
from integrations.sync.items import EventFields
from tests.emulators.google import GoogleCalendarEmulator
from tests.integrations.calendars.helpers import google_app

__all__ = ["GoogleLinkedHarness", "linked_harness"]

HOST = "host@example.com"
OTHER_CALENDAR = "projects@group.calendar.google.com"
_REASONS = {429: "rateLimitExceeded", 410: "fullSyncRequired", 412: "conditionNotMet"}


def activity_link(activity_id: int) -> str:
    return f"https://rendezvous.example.com/activities/{activity_id}"


def _google_changes(changes: dict[str, object]) -> dict[str, Any]:
    """``EventFields`` names as the fields the user changes in Google Calendar."""
    names = {"title": "summary", "location": "location", "description": "description"}
    body: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("start", "end"):
            assert isinstance(value, datetime)
            body[name] = {"dateTime": value.isoformat(), "timeZone": "UTC"}
        else:
            body[names[name]] = value
    return body


@dataclass
class GoogleLinkedHarness:
    google: GoogleCalendarEmulator
    calendar: GoogleLinkedCalendar
    name: str = "google"
    host_email: str = HOST

    @property
    def _calendar_id(self) -> str:
        return self.calendar.calendar_id

    def user_creates(
        self,
        fields: EventFields,
        *,
        organiser: str | None = None,
        daily_count: int | None = None,
    ) -> str:
        event: dict[str, Any] = {
            "summary": fields.title,
            "location": fields.location,
            "description": fields.description,
            "attendees": [{"email": g.email, "responseStatus": g.response} for g in fields.guests],
            "transparency": "transparent" if fields.show_as == "free" else "opaque",
            "status": "tentative" if fields.show_as == "tentative" else "confirmed",
            "visibility": "private" if fields.private else "default",
        }
        if fields.all_day:
            event["start"] = {"date": fields.start.astimezone(UTC).date().isoformat()}
            event["end"] = {"date": fields.end.astimezone(UTC).date().isoformat()}
        else:
            # A series needs its zone, to stay on the wall clock.
            event["start"] = {"dateTime": fields.start.isoformat(), "timeZone": "UTC"}
            event["end"] = {"dateTime": fields.end.isoformat(), "timeZone": "UTC"}
        if daily_count is not None:
            event["recurrence"] = [f"RRULE:FREQ=DAILY;COUNT={daily_count}"]
        made = self.google.add_event(self._calendar_id, organizer=organiser, **event)
        return str(made["id"])

    def user_edits(self, remote_id: str, **changes: object) -> None:
        self.google.edit_event(self._calendar_id, remote_id, **_google_changes(changes))

    def user_edits_occurrence(
        self, series_id: str, original_start: datetime, **changes: object
    ) -> None:
        # Google names an occurrence "{series}_{original start in UTC}".
        suffix = original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.user_edits(f"{series_id}_{suffix}", **changes)

    def user_deletes(self, remote_id: str) -> None:
        self.google.delete_event(self._calendar_id, remote_id)

    def user_moves_out(self, remote_id: str) -> None:
        self.google.move_event(self._calendar_id, remote_id, OTHER_CALENDAR)

    def make_read_only(self) -> None:
        self.google.set_access_role(self._calendar_id, "reader")

    def expire_state(self) -> None:
        self.google.expire_sync_tokens()

    def fail_next(self, status: int, *, retry_after: int | None = None) -> None:
        reason = _REASONS.get(status, "backendError" if status >= 500 else "badRequest")
        self.google.fail_next(1, status, reason, retry_after=retry_after)

    def notifications_sent(self) -> int:
        return sum(len(n.recipients) for n in self.google.notifications)

    def raw_description(self, remote_id: str) -> str:
        return str(self.google.event(self._calendar_id, remote_id).get("description", ""))


@contextmanager
def linked_harness(tmp_path: Path) -> Iterator[GoogleLinkedHarness]:
    with GoogleCalendarEmulator(user_email=HOST) as google:
        google.add_calendar(OTHER_CALENDAR, "Projects")
        app = google_app(google)
        tokens = google.issue_tokens()
        client = GoogleCalendarProvider(
            app,
            OAuthTokens(
                tokens["access_token"],
                tokens["refresh_token"],
                app.now() + timedelta(seconds=tokens["expires_in"]),
                tokens["scope"],
            ),
        )
        calendar = GoogleLinkedCalendar(client, HOST, link_for=activity_link, host_zone="UTC")
        yield GoogleLinkedHarness(google, calendar)
