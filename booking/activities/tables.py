from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.contacts.tables import Contact
from booking.hosts.tables import Host


class ActivityType(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    name = Varchar(length=100, unique=True, null=False)
    colour = Varchar(length=7, null=False, default="#4f46e5")


class Activity(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    owner = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    activity_type = ForeignKey(references=ActivityType, null=False, on_delete=OnDelete.restrict)
    title = Varchar(length=500, null=False)
    description = Text(null=False, default="")
    start_at = Timestamptz(null=False, index=True)
    end_at = Timestamptz(null=False)
    all_day = Boolean(default=False, null=False)
    completed = Boolean(default=False, null=False)
    # A guest whose address matched several contacts is never guessed: the address
    # waits in ambiguous_guests (a JSON list) until the host picks the contact, and
    # needs_attention (true while that list is not empty) lets the list be found.
    needs_attention = Boolean(default=False, null=False, index=True)
    ambiguous_guests = JSON(default="[]", null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    # Mirrors of a calendar event's fields (calendar sync, docs/sync.md).
    location = Text(null=False, default="")
    show_as = Varchar(length=10, null=False, default="busy")  # busy | free | tentative
    private = Boolean(default=False, null=False)
    # Set while the activity is in the trash (its event left the linked calendar): it
    # is invisible and blocks nothing, but the sync can restore it.
    trashed_at = Timestamptz(null=True, default=None)
    # Occurrences of one recurring calendar series share series_id; original_start is
    # the occurrence's start as the series defines it (before any move).
    series_id = Varchar(length=1024, null=True, default=None, index=True)
    original_start = Timestamptz(null=True, default=None)
    # The guests exactly as the calendar knows them ([{"email", "response"}]), also
    # those who are no contact; ActivityGuest links the ones who are.
    attendees = JSON(default="[]", null=False)
    # Who organises the event when it is not the host: the synced fields are then
    # read-only in the CRM (they must be changed in the calendar).
    organiser = Varchar(length=320, null=False, default="")


class ActivityGuest(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    activity = ForeignKey(references=Activity, null=False, on_delete=OnDelete.cascade)
    contact = ForeignKey(references=Contact, null=False, on_delete=OnDelete.cascade)
