"""The status row of a linked pair: what each side held when the pair last agreed.

Per field and per side, so that a provider normalising what we wrote (a time zone, a
trimmed description) is recorded as what that side holds and is never taken for a
change, and so that a change that could not be sent (a barred operation) stays pending
instead of being absorbed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import msgspec

from integrations.sync.items import FIELD_NAMES, ActivityItem, CalendarItem, field_hashes

__all__ = ["Origin", "StatusRow", "advance", "new_status"]

Origin = Literal["crm", "calendar"]


class StatusRow(msgspec.Struct, frozen=True, kw_only=True):
    activity_id: int
    remote_id: str
    remote_etag: str | None
    #: Where the pair was born: "keep the calendar's event body" holds for "calendar".
    origin: Origin
    #: Per field, the hash of the value each side held when that field last agreed.
    #: A missing field has no common ancestor (an adopted pair): both count as changed.
    crm_fields: dict[str, str]
    remote_fields: dict[str, str]
    #: The pair's last known start: where an item that is now missing used to be, so a
    #: missing item outside the window is never taken for a deletion.
    start: datetime
    #: The activity was trashed because its event left the calendar; the event's return
    #: restores it.
    trashed: bool = False


def _etag_hint(
    event: CalendarItem, current: dict[str, str], remote_fields: dict[str, str]
) -> str | None:
    # The planner reads "same etag" as "nothing changed in the calendar". That holds only
    # if the row's calendar side is this very version (``current``: the event's field
    # hashes): a calendar change not taken in yet (its CRM write barred, or a run cut
    # short) would hide behind our own write's etag and be lost.
    if current == remote_fields:
        return event.etag
    return None


def new_status(
    activity: ActivityItem, event: CalendarItem, origin: Origin, *, agreed: bool = True
) -> StatusRow:
    """The row for a pair just created on one side from the other (``agreed``), or
    adopted after a crash (not ``agreed``: fields that differ have no ancestor yet)."""
    crm = field_hashes(activity.fields)
    current = remote = field_hashes(event.fields)
    if not agreed:
        same = {name for name in FIELD_NAMES if crm[name] == remote[name]}
        crm = {name: value for name, value in crm.items() if name in same}
        remote = {name: value for name, value in remote.items() if name in same}
    return StatusRow(
        activity_id=activity.id,
        remote_id=event.remote_id,
        remote_etag=_etag_hint(event, current, remote),
        origin=origin,
        crm_fields=crm,
        remote_fields=remote,
        start=activity.fields.start,
    )


def advance(
    row: StatusRow, activity: ActivityItem, event: CalendarItem, fields: Iterable[str]
) -> StatusRow:
    """The row after ``fields`` were written (or settled): both sides' current values of
    those fields become the new ancestor. ``event`` is the event as the provider
    returned it, so our own echo matches the row."""
    names = set(fields)
    crm, remote = field_hashes(activity.fields), field_hashes(event.fields)
    remote_fields = {**row.remote_fields, **{n: remote[n] for n in names}}
    return msgspec.structs.replace(
        row,
        remote_etag=_etag_hint(event, remote, remote_fields),
        crm_fields={**row.crm_fields, **{n: crm[n] for n in names}},
        remote_fields=remote_fields,
        start=activity.fields.start,
        trashed=False,
    )
