"""Rules for bookings: the slots offered, and booking, cancelling and rescheduling them
so that a host can never be double-booked."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

import availability
from availability import explain
from booking import validation
from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate, ActivityUpdate
from booking.bookings import notify, repository
from booking.bookings.busy import ConflictSource, host_busy, no_conflicts
from booking.bookings.links import LinkSigner
from booking.bookings.records import BookingRecord
from booking.bookings.schemas import (
    Booking,
    BookingCreate,
    Day,
    Links,
    PublicBooking,
    SlotOut,
    Slots,
)
from booking.contacts import service as contacts
from booking.convert import to_schema
from booking.db import host_write_lock, read_snapshot
from booking.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.event_types import service as event_types
from booking.event_types.schemas import EventType
from booking.hosts import service as hosts
from booking.hosts.schemas import Host
from booking.notifications.ics import build_ics
from booking.schedules import service as schedules

MAX_RANGE_DAYS = 62


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BookingEnvironment:
    """What the booking rules need from the layers above, handed down by ``web``."""

    links: LinkSigner
    mail_from: str
    conflicts: ConflictSource = no_conflicts
    clock: Callable[[], datetime] = field(default=_utcnow)


# ---------------------------------------------------------------------------- slots


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


async def slots(
    host_slug: str,
    event_slug: str,
    start: date,
    end: date,
    tz: str,
    env: BookingEnvironment,
    *,
    moving: tuple[str, str] | None = None,
) -> Slots:
    """Free slots of a public event type on the viewer's dates ``start..end`` (inclusive).

    ``moving`` is ``(uid, token)`` of a booking being rescheduled: its own time and
    buffers are then free, as the invitee expects when moving it by a few minutes.
    """
    zone = ZoneInfo(validation.time_zone(tz, "tz"))
    validation.in_years(start, "start")
    validation.in_years(end, "end")
    if end < start:
        raise InvalidInput("end", "must not be before start.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput("end", f"ask for at most {MAX_RANGE_DAYS} days at a time.")
    validation.within_reach(start, env.clock().date(), "start")
    window_start = _local_midnight(start, zone)
    window_end = _local_midnight(end + timedelta(days=1), zone)
    async with read_snapshot():
        bookable = await event_types.get_bookable(host_slug, event_slug)
        host, event_type = bookable.host, bookable.event_type
        exclude_uid = exclude_activity = None
        if moving is not None:
            row = await _authorised(moving[0], host_id=None, token=moving[1], env=env)
            if row.event_type_id != event_type.id:
                raise NotFound("No such booking.")
            exclude_uid, exclude_activity = row.uid, row.activity_id
        found = await _free_slots(
            host, event_type, window_start, window_end, env,
            exclude_uid=exclude_uid, exclude_activity=exclude_activity, hours=bookable.hours,
        )  # fmt: skip
    grouped = availability.group_by_local_date(found, tz)
    days = [
        Day(
            date=start + timedelta(days=offset),
            slots=[
                SlotOut(s.start, s.end) for s in grouped.get(start + timedelta(days=offset), [])
            ],
        )
        for offset in range((end - start).days + 1)
    ]
    return Slots(time_zone=tz, days=days)


async def _free_slots(
    host: Host,
    event_type: EventType,
    window_start: datetime,
    window_end: datetime,
    env: BookingEnvironment,
    *,
    exclude_uid: str | None = None,
    exclude_activity: int | None = None,
    hours: availability.Schedule | None = None,
) -> list[availability.Slot]:
    """``hours``: the working hours if the caller already read them in this transaction."""
    schedule = hours or await schedules.for_event_type(host.id, event_type)
    busy, own = await host_busy(
        host.id,
        event_type.id,
        window_start,
        window_end,
        env.conflicts,
        exclude_uid=exclude_uid,
        exclude_activity=exclude_activity,
    )
    return availability.compute_slots(
        schedule,
        busy,
        event_types.rules(event_type),
        now=env.clock(),
        window_start=window_start,
        window_end=window_end,
        existing_bookings=own,
    )


async def _check_bookable(
    host: Host,
    event_type: EventType,
    start: datetime,
    env: BookingEnvironment,
    *,
    exclude_uid: str | None = None,
    exclude_activity: int | None = None,
) -> None:
    """Raise unless ``start`` is offered right now. Call inside ``host_write_lock``."""
    if start <= env.clock():
        raise InvalidInput("start", "is in the past.")
    offered = await _free_slots(
        host,
        event_type,
        start,
        start + timedelta(seconds=1),
        env,
        exclude_uid=exclude_uid,
        exclude_activity=exclude_activity,
    )
    if any(slot.start == start for slot in offered):
        return
    # Say why, in words that reveal nothing about the host's other commitments.
    schedule = await schedules.for_event_type(host.id, event_type)
    busy, own = await host_busy(
        host.id, event_type.id, start, start + timedelta(minutes=event_type.duration_minutes),
        env.conflicts, exclude_uid=exclude_uid, exclude_activity=exclude_activity,
    )  # fmt: skip
    reasons = explain(
        schedule, busy, event_types.rules(event_type), now=env.clock(), at=start,
        existing_bookings=own,
    )  # fmt: skip
    codes = {reason.code for reason in reasons}
    if "too_soon" in codes:
        raise InvalidInput("start", "is too soon: this event needs more notice.")
    if codes & {"outside_working_hours", "not_a_slot_start", "outside_horizon"}:
        raise InvalidInput("start", "is not one of the offered start times.")
    if codes & {"daily_limit_reached", "weekly_limit_reached"}:
        raise Conflict("No more bookings can be made for that day or week.")
    raise Conflict("This time is no longer available. Please pick another slot.")


# ---------------------------------------------------------------------------- booking


def _start(value: datetime, now: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput("start", "include a UTC offset, e.g. 2026-03-02T09:00:00Z.")
    validation.in_years(value, "start")
    return validation.within_reach(value.astimezone(UTC), now, "start")


async def book(
    host_slug: str, event_slug: str, data: BookingCreate, env: BookingEnvironment
) -> PublicBooking:
    """Book a slot for an invitee. Re-checked inside a serialised transaction."""
    name = data.name.strip()
    if not name:
        raise InvalidInput("name", "is required.")
    email = validation.email(data.email)
    time_zone = validation.time_zone(data.time_zone)
    guests = list(
        dict.fromkeys(validation.email(g, f"guests[{i}]") for i, g in enumerate(data.guests))
    )
    start = _start(data.start, env.clock())
    host, event_type = await event_types.get_public(host_slug, event_slug)
    end = start + timedelta(minutes=event_type.duration_minutes)
    uid = uuid.uuid4().hex
    async with host_write_lock(host.id):
        await _check_bookable(host, event_type, start, env)
        # New contacts belong to the host who was booked. An address several contacts
        # share is not guessed: the booking has no contact and its activity needs
        # attention until the host chooses (activities.resolve_guest).
        invitee = await contacts.link_guest(email, name, owner_id=host.id)
        guest_ids, ambiguous = await activities.link_guests(host.id, guests)
        if invitee.kind == "several":
            ambiguous = [invitee.email, *ambiguous]
        invitee_ids = [] if invitee.contact_id is None else [invitee.contact_id]
        activity = await activities.create(
            host.id,
            ActivityCreate(
                title=f"{event_type.title} with {name}",
                start=start,
                end=end,
                activity_type_id=event_type.activity_type_id,
                description=data.notes,
            ),
            guest_contact_ids=[*invitee_ids, *guest_ids],
            ambiguous_guests=ambiguous,
        )
        await repository.insert(
            {
                "uid": uid,
                "host": host.id,
                "event_type": event_type.id,
                "start_at": start,
                "end_at": end,
                "buffer_before_minutes": event_type.buffer_before_minutes,
                "buffer_after_minutes": event_type.buffer_after_minutes,
                "invitee_name": name,
                "invitee_email": email,
                "invitee_time_zone": time_zone,
                "notes": data.notes,
                "guests": guests,
                "contact": invitee.contact_id,
                "activity": activity.id,
                "location": _location(event_type),
            }
        )
        row = await _row(uid)
        if event_type.location_kind == "zoom":
            # Confirmed now whatever Zoom does; the meeting job sends the confirmation
            # once it has the link (or without it if Zoom cannot make one soon).
            await notify.queue_video_meeting(notify.VIDEO_CREATE_JOB, row)
        else:
            await notify.send(
                "confirmed", row, links=env.links, mail_from=env.mail_from, issued=env.clock()
            )
    return _public(row, env)


async def _has_video(row: BookingRecord, event_type: EventType | None = None) -> bool:
    """Whether the booking has (or is getting) a Zoom meeting that must follow it.

    The event type may have left Zoom since; a meeting already made still counts.
    """
    if row.video_meeting_id is not None:
        return True
    if event_type is None:
        event_type = await event_types.get(row.host_id, row.event_type_id)
    return event_type.location_kind == "zoom"


def _location(event_type: EventType) -> str:
    if event_type.location_kind in {"in_person", "phone"}:
        return event_type.location_value
    return ""


async def _row(uid: str) -> BookingRecord:
    row = await repository.by_uid(uid)
    if row is None:
        raise NotFound("No such booking.")
    return row


async def _authorised(
    uid: str, *, host_id: int | None, token: str | None, env: BookingEnvironment
) -> BookingRecord:
    """The booking, if the caller is its host or holds its signed link; else NotFound
    (never Forbidden: whether a booking id exists is nobody else's business)."""
    row = await repository.by_uid(uid)
    if row is None:
        raise NotFound("No such booking.")
    if host_id is not None and row.host_id == host_id:
        return row
    if token is not None and env.links.verify(uid, token):
        return row
    raise NotFound("No such booking.")


async def public_booking(uid: str, token: str, env: BookingEnvironment) -> PublicBooking:
    return _public(await _authorised(uid, host_id=None, token=token, env=env), env)


async def invite_ics(uid: str, token: str, env: BookingEnvironment) -> bytes:
    row = await _authorised(uid, host_id=None, token=token, env=env)
    return build_ics(notify.invite_for(row, env.links, env.clock()))


async def cancel(
    uid: str,
    reason: str,
    env: BookingEnvironment,
    *,
    host_id: int | None = None,
    token: str | None = None,
) -> BookingRecord:
    """Cancel by the host (``host_id``) or the invitee (``token``); frees the slot."""
    row = await _authorised(uid, host_id=host_id, token=token, env=env)
    async with host_write_lock(row.host_id):
        row = await _row(uid)
        if row.status == "cancelled":
            raise Conflict("This booking is already cancelled.")
        if host_id is None and row.start <= env.clock():
            raise Forbidden("This booking has already started; contact the host instead.")
        now = env.clock()
        await repository.update(
            uid,
            {
                "status": "cancelled",
                "cancelled_at": now,
                "cancel_reason": reason.strip(),
                "sequence": row.sequence + 1,
                "updated_at": now,
                "activity": None,
            },
        )
        if row.activity_id is not None:
            # The activity existed only because of the booking; keeping it would block time.
            await activities.delete(row.host_id, row.activity_id, include_trashed=True)
        row = await _row(uid)
        await notify.send(
            "cancelled", row, links=env.links, mail_from=env.mail_from, issued=now,
            reason=reason.strip(),
        )  # fmt: skip
        if await _has_video(row):
            await notify.queue_video_meeting(notify.VIDEO_DELETE_JOB, row)
    return row


async def reschedule(
    uid: str,
    new_start: datetime,
    env: BookingEnvironment,
    *,
    host_id: int | None = None,
    token: str | None = None,
    reason: str = "",
) -> BookingRecord:
    """Move a booking to another free start. Its uid (and .ics UID) stay; SEQUENCE rises."""
    row = await _authorised(uid, host_id=host_id, token=token, env=env)
    start = _start(new_start, env.clock())
    async with host_write_lock(row.host_id):
        row = await _row(uid)
        if row.status != "confirmed":
            raise Conflict("A cancelled booking cannot be rescheduled; book again instead.")
        if host_id is None and row.start <= env.clock():
            raise Forbidden("This booking has already started; contact the host instead.")
        host = await hosts.get(row.host_id)
        event_type = await event_types.get(row.host_id, row.event_type_id)
        await _check_bookable(
            host, event_type, start, env, exclude_uid=uid, exclude_activity=row.activity_id
        )
        end = start + (row.end - row.start)
        now = env.clock()
        await repository.update(
            uid,
            {"start_at": start, "end_at": end, "sequence": row.sequence + 1, "updated_at": now},
        )
        if row.activity_id is not None:
            await activities.update(
                row.host_id, row.activity_id, ActivityUpdate(start=start, end=end),
                include_trashed=True,
            )  # fmt: skip
        previous = row.start
        row = await _row(uid)
        await notify.send(
            "rescheduled", row, links=env.links, mail_from=env.mail_from, issued=now,
            previous_start=previous, reason=reason.strip(),
        )  # fmt: skip
        if await _has_video(row, event_type):
            await notify.queue_video_meeting(notify.VIDEO_UPDATE_JOB, row)
    return row


# ---------------------------------------------------------------------------- video meetings
# Called by the meeting jobs (integrations) after Zoom answered; no Zoom in here.


async def for_video(uid: str) -> BookingRecord | None:
    """The booking row a meeting job works from (None if it was deleted)."""
    return await repository.by_uid(uid)


async def confirm_without_video(uid: str, env: BookingEnvironment) -> None:
    """Queue the confirmation e-mails as the booking stands, without a link: Zoom
    cannot make the meeting now, and the invitee must not be left waiting.

    Idempotent (the e-mails' dedupe keys name the booking's version), so every failed
    attempt may call it; only the first queues anything. A booking already
    rescheduled (sequence > 0) needs none: its rescheduled e-mails carried the invite.
    """
    row = await repository.by_uid(uid)
    if (
        row is not None
        and row.status == "confirmed"
        and row.video_url is None
        and row.sequence == 0
    ):
        await notify.send(
            "confirmed", row, links=env.links, mail_from=env.mail_from, issued=env.clock()
        )


async def attach_video(
    uid: str, join_url: str, meeting_id: str, env: BookingEnvironment, *, announced: bool
) -> BookingRecord | None:
    """Store a new meeting on the booking and e-mail the confirmation with its link.

    ``announced``: the confirmation already went out without a link. Then, as after
    a reschedule, the invitee holds an invite of this booking, so the one with the
    link is a new version (SEQUENCE + 1) that replaces it in calendars. A booking
    cancelled meanwhile keeps the meeting id (so it can be deleted) and gets no
    e-mail. Returns the row as stored, or None if the booking is gone.
    """
    row = await repository.by_uid(uid)
    if row is None:
        return None
    async with host_write_lock(row.host_id):
        row = await _row(uid)
        now = env.clock()
        confirmed = row.status == "confirmed"
        values: dict[Any, Any] = {"video_url": join_url, "video_meeting_id": meeting_id}
        if confirmed and (announced or row.sequence > 0):
            values.update(sequence=row.sequence + 1, updated_at=now)
        await repository.update(uid, values)
        row = await _row(uid)
        if confirmed:
            await notify.send(
                "confirmed", row, links=env.links, mail_from=env.mail_from, issued=now
            )
    return row


# ---------------------------------------------------------------------------- host views


async def list_for_host(
    host_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = False,
) -> list[Booking]:
    """``newest_first``: latest start first, so a list of past bookings opens on the
    most recent ones rather than the oldest."""
    for value, name in ((start, "from"), (end, "to")):
        if value is not None:
            validation.in_years(value, name)
    rows = await repository.for_host(
        host_id, start, end, status, limit, offset, newest_first=newest_first
    )
    return msgspec.convert(rows, list[Booking], from_attributes=True)


async def get_for_host(host_id: int, uid: str, env: BookingEnvironment) -> Booking:
    return to_booking(await _authorised(uid, host_id=host_id, token=None, env=env))


async def slots_for_host(
    host_id: int, uid: str, day: date, tz: str, env: BookingEnvironment
) -> list[SlotOut]:
    """The free starts on ``day`` (a date in ``tz``) a host may move booking ``uid`` to:
    the slots its invitee would be offered, with the booking's own time left free."""
    zone = ZoneInfo(validation.time_zone(tz, "tz"))
    validation.in_years(day, "day")
    window_start = _local_midnight(day, zone)
    window_end = _local_midnight(day + timedelta(days=1), zone)
    async with read_snapshot():
        row = await _authorised(uid, host_id=host_id, token=None, env=env)
        host = await hosts.get(host_id)
        event_type = await event_types.get(host_id, row.event_type_id)
        found = await _free_slots(
            host, event_type, window_start, window_end, env,
            exclude_uid=row.uid, exclude_activity=row.activity_id,
        )  # fmt: skip
    return [SlotOut(slot.start, slot.end) for slot in found]


def to_booking(row: BookingRecord) -> Booking:
    return msgspec.convert(row, Booking, from_attributes=True)


def _public(row: BookingRecord, env: BookingEnvironment) -> PublicBooking:
    uid = row.uid
    links = Links(
        booking_url=env.links.booking_url(uid),
        cancel_url=env.links.cancel_url(uid),
        reschedule_url=env.links.reschedule_url(uid),
        ics_url=env.links.ics_url(uid),
        google_calendar_url=notify.calendar_link(row, env.links, env.clock()),
    )
    return to_schema(row, PublicBooking, links=links)
