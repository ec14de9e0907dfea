"""What a booking's Zoom meeting looks like, and the Zoom calls a meeting job makes.

The calls are plain functions of a :class:`ZoomClient`, run in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from booking.bookings.records import BookingRecord
from integrations.providers.zoom import ZoomClient, ZoomMeeting


@dataclass(frozen=True, slots=True)
class MeetingPlan:
    topic: str
    start: datetime
    duration_minutes: int
    time_zone: str
    agenda: str
    #: Unique to the booking, first in the agenda: finds a meeting whose creation
    #: answer was lost (a timeout, a crash before the booking was saved).
    marker: str


def marker(uid: str) -> str:
    return f"[rdv:{uid}]"


def plan(row: BookingRecord) -> MeetingPlan:
    """The meeting for a booking row (as read by the bookings repository)."""
    title = f"{row.event_type_title} with {row.invitee.name}"
    agenda = f"{title}, booked through Rendezvous."
    if row.notes:
        agenda += f"\n\nNotes from {row.invitee.name}:\n{row.notes}"
    return MeetingPlan(
        topic=title,
        start=row.start,
        duration_minutes=int((row.end - row.start).total_seconds() // 60),
        # The host's zone: Zoom shows the meeting to its host in it.
        time_zone=row.host_time_zone,
        agenda=agenda,
        marker=marker(row.uid),
    )


def create(client: ZoomClient, wanted: MeetingPlan, *, may_exist: bool) -> ZoomMeeting:
    """Create the meeting; with ``may_exist`` first look for one an earlier attempt
    made, and bring it up to date instead of making a duplicate."""
    if may_exist:
        found = client.find_meeting_by_marker(wanted.marker)
        if found is not None:
            if (found.start, found.duration_minutes) != (wanted.start, wanted.duration_minutes):
                move(client, found.id, wanted)
            return found
    return client.create_meeting(
        wanted.topic,
        wanted.start,
        wanted.duration_minutes,
        wanted.time_zone,
        wanted.agenda,
        marker=wanted.marker,
    )


def move(client: ZoomClient, meeting_id: int, wanted: MeetingPlan) -> None:
    client.update_meeting(
        meeting_id,
        start=wanted.start,
        duration_minutes=wanted.duration_minutes,
        time_zone=wanted.time_zone,
    )


def delete(client: ZoomClient, meeting_id: int | None, wanted_marker: str) -> None:
    """Delete the meeting; without an id, the one an unfinished create may have made.
    A meeting already gone is fine."""
    if meeting_id is None:
        found = client.find_meeting_by_marker(wanted_marker)
        if found is None:
            return
        meeting_id = found.id
    client.delete_meeting(meeting_id, missing_ok=True)
