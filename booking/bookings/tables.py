from __future__ import annotations

from piccolo.columns import (
    JSON,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.activities.tables import Activity
from booking.contacts.tables import Contact
from booking.event_types.tables import EventType
from booking.hosts.tables import Host


class Booking(Table):
    id = Serial(primary_key=True)
    uid = Varchar(length=32, unique=True, null=False)  # public id: random, unguessable
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    event_type = ForeignKey(references=EventType, null=False, on_delete=OnDelete.restrict)
    start_at = Timestamptz(null=False, index=True)
    end_at = Timestamptz(null=False)
    # Copied from the event type when booked: editing an event type later must not
    # move the busy time of bookings already made.
    buffer_before_minutes = Integer(null=False, default=0)
    buffer_after_minutes = Integer(null=False, default=0)
    status = Varchar(length=16, null=False, default="confirmed")  # confirmed | cancelled
    invitee_name = Varchar(length=200, null=False)
    invitee_email = Varchar(length=320, null=False)
    invitee_time_zone = Varchar(length=64, null=False)
    notes = Text(null=False, default="")
    guests = JSON(default="[]", null=False)  # extra e-mail addresses
    contact = ForeignKey(references=Contact, null=True, on_delete=OnDelete.set_null)
    activity = ForeignKey(references=Activity, null=True, on_delete=OnDelete.set_null)
    location = Varchar(length=500, null=False, default="")
    video_url = Varchar(length=1000, null=True, default=None)
    # Zoom's id of the booking's meeting (an int64, kept as text): what the meeting jobs
    # update and delete. Null until the meeting exists.
    video_meeting_id = Varchar(length=32, null=True, default=None)
    # iCalendar SEQUENCE: raised on every reschedule or cancel so clients replace the event.
    sequence = Integer(null=False, default=0)
    cancel_reason = Text(null=False, default="")
    cancelled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
