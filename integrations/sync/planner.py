"""The sync planner: status rows + both sides + the host's policy -> a plan. Pure.

Ideas from vdirsyncer's sync (a status per pair, hashes as the judge, refusing to go
on when a side is suddenly empty), widened to a field-level three-way merge because
a CRM activity and a calendar event are edited field by field by different people.
The rules are listed in docs/sync.md; each has a test in tests/integrations/sync/.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from integrations.sync.actions import (
    Action,
    Bookkeeping,
    Conflict,
    CreateActivity,
    CreateEvent,
    DeleteEvent,
    Forget,
    Link,
    Plan,
    RestoreActivity,
    Settle,
    Skipped,
    Stop,
    TrashActivity,
    UpdateActivity,
    UpdateEvent,
)
from integrations.sync.ids import remote_id_for
from integrations.sync.items import (
    FIELD_NAMES,
    ActivityItem,
    CalendarItem,
    EventFields,
    field_hashes,
)
from integrations.sync.policy import Policy, Scope, Side
from integrations.sync.status import StatusRow

__all__ = ["plan"]


@dataclass
class _Builder:
    policy: Policy
    scope: Scope
    events: dict[str, CalendarItem]
    actions: list[Action] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    bookkeeping: list[Bookkeeping] = field(default_factory=list)

    def add(self, action: Action) -> bool:
        """Plan ``action`` unless it is barred or unticked; True if planned."""
        policy = self.policy
        if (
            action.activity_id is not None and action.activity_id in policy.excluded_activities
        ) or (action.remote_id in policy.excluded_events):
            self.skipped.append(Skipped(action=action, reason="excluded"))
            return False
        if (action.side, action.operation) in policy.barred:
            self.skipped.append(Skipped(action=action, reason="barred"))
            return False
        if action.side == "calendar" and action.remote_id in policy.refused:
            # The provider refused this event's write for good (a read-only calendar):
            # asking again every run would only fail again.
            self.skipped.append(Skipped(action=action, reason="refused"))
            return False
        self.actions.append(action)
        return True


def _changed(current: EventFields, base: dict[str, str]) -> set[str]:
    return _differ(field_hashes(current), base)


def _differ(hashes: dict[str, str], base: dict[str, str]) -> set[str]:
    return {name for name in FIELD_NAMES if hashes[name] != base.get(name)}


def _with(target: EventFields, source: EventFields, names: Iterable[str]) -> EventFields:
    return msgspec.structs.replace(target, **{name: getattr(source, name) for name in names})


def _ordered(names: set[str]) -> tuple[str, ...]:
    return tuple(name for name in FIELD_NAMES if name in names)


def _both(b: _Builder, row: StatusRow, activity: ActivityItem, event: CalendarItem) -> None:
    """Both items are there: merge field by field against the row."""
    policy = b.policy
    # Hashed once here: most pairs of a window changed on neither side, and a plan of
    # thousands of pairs spent a third of its time asking the hash cache again.
    crm_values = field_hashes(activity.fields)
    crm_changed = _differ(crm_values, row.crm_fields)
    # The etag is a hint only: equal etag means unchanged; a new etag still has to show
    # a different hash to count (a provider bumps etags for reasons of its own).
    same_etag = event.etag is not None and event.etag == row.remote_etag
    if same_etag and not crm_changed:
        return  # nothing to merge, write or settle
    remote_values = field_hashes(event.fields)
    remote_changed = set() if same_etag else _differ(remote_values, row.remote_fields)
    to_event: set[str] = set()
    to_activity: set[str] = set()
    settle: set[str] = set()
    if not event.host_is_organiser:
        # Read-only in the CRM: the organiser's calendar is the truth for every field.
        to_activity = crm_changed | remote_changed
        if policy.mode == "one_way":
            to_activity = set()  # one-way never writes activities; the event is not ours
    elif policy.mode == "one_way":
        # The CRM is the source: a calendar edit of a pushed event is put back.
        to_event = crm_changed | remote_changed
    else:
        keep_body = policy.keep_calendar_body and row.origin == "calendar"
        for name in _ordered(crm_changed | remote_changed):
            if crm_values[name] == remote_values[name]:
                settle.add(name)  # changed alike, or already equal
            elif name in crm_changed and name in remote_changed:
                b.conflicts.append(
                    Conflict(
                        activity_id=row.activity_id,
                        remote_id=row.remote_id,
                        field=name,
                        crm_value=getattr(activity.fields, name),
                        calendar_value=getattr(event.fields, name),
                        winner=policy.winner,
                    )
                )
                if policy.winner == "crm" and not (keep_body and name == "description"):
                    to_event.add(name)
                else:
                    to_activity.add(name)
            elif name in crm_changed:
                if not (keep_body and name == "description"):
                    to_event.add(name)
                # else: held, like a barred write, not settled: it goes out once the
                # host turns "keep the calendar's event body" off.
            else:
                to_activity.add(name)
    # Fields equal on both sides need no write, only a new ancestor.
    for names in (to_event, to_activity):
        equal = {n for n in names if crm_values[n] == remote_values[n]}
        names -= equal
        settle |= equal
    if settle:
        b.bookkeeping.append(
            Settle(activity_id=row.activity_id, remote_id=row.remote_id, fields=_ordered(settle))
        )
    if to_event:
        b.add(
            UpdateEvent(
                activity_id=row.activity_id,
                remote_id=row.remote_id,
                etag=event.etag,
                fields=_with(event.fields, activity.fields, to_event),
                changed=_ordered(to_event),
                series_id=event.series_id,
            )
        )
    if to_activity:
        b.add(
            UpdateActivity(
                activity_id=row.activity_id,
                remote_id=row.remote_id,
                fields=_with(activity.fields, event.fields, to_activity),
                changed=_ordered(to_activity),
                series_id=event.series_id,
            )
        )


def _type_for(policy: Policy, event: CalendarItem) -> int:
    return policy.meeting_type_id if event.fields.guests else policy.appointment_type_id


def _bring_back(
    b: _Builder, row: StatusRow, activity: ActivityItem | None, event: CalendarItem
) -> None:
    """Restore the trashed activity, or re-create it if the trash was emptied."""
    if activity is not None:
        b.add(
            RestoreActivity(
                activity_id=activity.id,
                remote_id=event.remote_id,
                fields=event.fields,
                series_id=event.series_id,
            )
        )
        return
    if event.fields.private:
        # A new activity from a private event would be an import: it stays busy time.
        b.bookkeeping.append(Forget(activity_id=row.activity_id, remote_id=row.remote_id))
        return
    b.add(
        CreateActivity(
            remote_id=event.remote_id,
            fields=event.fields,
            type_id=_type_for(b.policy, event),
            series_id=event.series_id,
            original_start=event.original_start,
            retag=event.tag is not None,
            replaces=row.activity_id,
        )
    )


def _pair(
    b: _Builder, row: StatusRow, activity: ActivityItem | None, event: CalendarItem | None
) -> None:
    policy = b.policy
    live = activity if activity is not None and not activity.trashed else None
    # A trashed activity still has a place: one moved out of the window, then trashed,
    # is outside it, and so is its deletion.
    starts = [item.fields.start for item in (activity, event) if item is not None]
    if activity is None or event is None:
        starts.append(row.start)  # where the missing one was
    if not all(b.scope.contains(start) for start in starts):
        return
    if policy.mode == "one_way" and row.origin == "calendar":
        # Born in two-way from a calendar event: one-way sends CRM activities out and
        # brings nothing in, so such a pair rests until two-way comes back.
        return
    if live is not None and event is not None:
        _both(b, row, live, event)
        return
    if live is None and event is None:
        if not row.trashed:
            b.bookkeeping.append(Forget(activity_id=row.activity_id, remote_id=row.remote_id))
        return
    two_way = policy.mode == "two_way"
    if live is not None:  # the event is gone
        if row.trashed or not two_way:
            # One-way: the CRM is the source, a deleted pushed event comes back.
            # Trashed row: the host took the activity out of the trash by hand.
            _recreate_event(b, row, live)
        elif _changed(live.fields, row.crm_fields):
            # An edit beats a deletion: nothing the host typed is lost.
            b.conflicts.append(
                Conflict(
                    activity_id=row.activity_id,
                    remote_id=row.remote_id,
                    field=None,
                    crm_value=live.fields,
                    calendar_value=None,
                    winner="crm",
                )
            )
            _recreate_event(b, row, live)
        else:
            b.add(TrashActivity(activity_id=row.activity_id, remote_id=row.remote_id))
        return
    assert event is not None  # noqa: S101 (narrowing: exactly one of them is missing)
    if row.trashed:
        if two_way:
            _bring_back(b, row, activity, event)
        return
    if two_way and not event.host_is_organiser:
        # Read-only in the CRM: the invitation is still in the calendar, so it stays.
        _bring_back(b, row, activity, event)
        return
    if two_way and _changed(event.fields, row.remote_fields):
        b.conflicts.append(
            Conflict(
                activity_id=row.activity_id,
                remote_id=row.remote_id,
                field=None,
                crm_value=None,
                calendar_value=event.fields,
                winner="calendar",
            )
        )
        _bring_back(b, row, activity, event)
        return
    b.add(
        DeleteEvent(
            activity_id=row.activity_id,
            remote_id=row.remote_id,
            etag=event.etag,
            series_id=event.series_id,
        )
    )


def _follow_moved_back(
    b: _Builder, rows: list[StatusRow], events: dict[str, CalendarItem], linked: set[str]
) -> list[StatusRow]:
    """A trashed row whose event left the calendar follows our event for its activity
    when that event is back under another id (Graph gives an event moved to another
    calendar and back a new id; our tag rides along), so the activity is restored
    instead of staying in the trash while its event sits in the calendar."""
    ours = {
        e.tag.activity_id: e
        for e in events.values()
        if e.tag is not None and e.tag.owner_id == b.policy.host_id and e.remote_id not in linked
    }
    followed = []
    for row in rows:
        found = ours.pop(row.activity_id, None) if row.trashed else None
        if found is None or row.remote_id in events:
            followed.append(row)
            continue
        b.bookkeeping.append(Forget(activity_id=row.activity_id, remote_id=row.remote_id))
        b.bookkeeping.append(Link(activity_id=row.activity_id, remote_id=found.remote_id))
        followed.append(
            msgspec.structs.replace(
                row, remote_id=found.remote_id, remote_etag=None, crm_fields={}, remote_fields={}
            )
        )
    return followed


def _delete_second_copies(
    b: _Builder, rows: list[StatusRow], activities: dict[int, ActivityItem], taken: set[str]
) -> None:
    """Our event for an activity whose own event is in the calendar, at the same time
    with the same title, is a second copy: it goes. That happens when the activity's
    event left (moved to another calendar), a CRM edit made the sync give it a new
    one, and the first came back (under a new id on Graph): two events for one
    activity is the duplicate users of every sync complain about.

    Only an exact copy in what the calendar shows: a copy the host made for another day
    or under another title (a calendar app may copy our tag with the event) is
    theirs, and deleting it would lose it."""
    own = {
        row.activity_id: b.events[row.remote_id]
        for row in rows
        if row.remote_id in b.events and row.activity_id in activities and not row.trashed
    }
    for event in b.events.values():
        tag = event.tag
        if (
            tag is None
            or tag.owner_id != b.policy.host_id
            or tag.activity_id not in own
            or event.remote_id in taken
            or event.series_id is not None
            or not b.scope.contains(event.fields.start)
            or not _shown_alike(event.fields, own[tag.activity_id].fields)
        ):
            continue
        b.add(
            DeleteEvent(
                activity_id=tag.activity_id,
                remote_id=event.remote_id,
                etag=event.etag,
                series_id=None,
            )
        )


def _shown_alike(one: EventFields, other: EventFields) -> bool:
    """The same block in the calendar: title, times, all-day."""
    return (one.title, one.start, one.end, one.all_day) == (
        other.title,
        other.start,
        other.end,
        other.all_day,
    )


def _recreate_event(b: _Builder, row: StatusRow, activity: ActivityItem) -> None:
    remote_id = remote_id_for(activity.id, b.policy.id_namespace)
    found = b.events.get(remote_id)
    if found is not None and remote_id != row.remote_id:
        # An earlier run re-created it and died before its commit: adopt, don't create.
        b.bookkeeping.append(Forget(activity_id=row.activity_id, remote_id=row.remote_id))
        b.bookkeeping.append(Link(activity_id=activity.id, remote_id=remote_id))
        bare = msgspec.structs.replace(
            row, remote_id=remote_id, remote_etag=None, crm_fields={}, remote_fields={}
        )
        _both(b, bare, activity, found)
        return
    b.add(
        CreateEvent(
            activity_id=activity.id,
            remote_id=remote_id,
            fields=activity.fields,
            replaces=row.remote_id,
        )
    )


def _pushed(policy: Policy, activity: ActivityItem) -> bool:
    return (
        activity.owner_id == policy.host_id
        and not activity.trashed
        and (policy.push_types is None or activity.type_id in policy.push_types)
        and (activity.linked_to_record or not policy.only_linked)
    )


def _stop(
    policy: Policy,
    rows: list[StatusRow],
    scope: Scope,
    activities: Iterable[ActivityItem],
    events: Iterable[CalendarItem],
    actions: list[Action],
) -> Stop | None:
    if policy.confirmed:
        return None
    linked = sum(1 for row in rows if not row.trashed and scope.contains(row.start))
    if linked < policy.ask_threshold:
        return None
    live_activities = sum(1 for a in activities if not a.trashed and scope.contains(a.fields.start))
    live_events = sum(1 for e in events if scope.contains(e.fields.start))
    # A provider that answers an empty list once (or a wiped CRM) must not become a
    # mass deletion on the other side (vdirsyncer's StorageEmpty).
    sides: tuple[tuple[Side, int], ...] = (("crm", live_activities), ("calendar", live_events))
    for side, count in sides:
        if count == 0:
            return Stop(reason="side_empty", side=side, count=linked)
    deletes: dict[Side, int] = {"crm": 0, "calendar": 0}
    for action in actions:
        if action.operation == "delete":
            deletes[action.side] += 1
    for side, count in deletes.items():
        if count >= linked:
            return Stop(reason="would_delete_all", side=side, count=count)
    return None


def plan(
    status: Iterable[StatusRow],
    crm_side: Iterable[ActivityItem],
    remote_side: Iterable[CalendarItem],
    policy: Policy,
    now: datetime,
) -> Plan:
    """The plan of one run for one host and its linked calendar.

    ``crm_side`` holds the host's activities the run can see (trashed ones too);
    ``remote_side`` the linked calendar's events, occurrences expanded, plus any linked
    event the executor looked up by id because the listing missed it (an event moved
    outside the window is not a deleted event).
    """
    if policy.mode == "off":
        return Plan()
    rows = list(status)
    activities = {a.id: a for a in crm_side}
    events = {e.remote_id: e for e in remote_side}
    scope = Scope.of(policy, now)
    b = _Builder(policy, scope, events)

    linked_activities = {row.activity_id for row in rows}
    linked_events = {row.remote_id for row in rows}
    if policy.mode == "two_way":
        rows = _follow_moved_back(b, rows, events, linked_events)
        linked_events = {row.remote_id for row in rows}
    for row in rows:
        _pair(b, row, activities.get(row.activity_id), events.get(row.remote_id))

    # Our events whose pair was never committed (a crash after the provider's answer),
    # found by our tag or by the id we would have chosen.
    ours = {
        e.tag.activity_id: e
        for e in events.values()
        if e.tag is not None
        and e.tag.owner_id == policy.host_id
        and e.remote_id not in linked_events
    }
    adopted: set[str] = set()
    for activity in activities.values():
        if activity.id in linked_activities or not _pushed(policy, activity):
            continue
        if not scope.contains(activity.fields.start):
            continue
        found = ours.get(activity.id) or events.get(remote_id_for(activity.id, policy.id_namespace))
        if found is not None and found.remote_id not in linked_events:
            adopted.add(found.remote_id)
            b.bookkeeping.append(Link(activity_id=activity.id, remote_id=found.remote_id))
            bare = StatusRow(
                activity_id=activity.id,
                remote_id=found.remote_id,
                remote_etag=None,
                origin="crm",
                crm_fields={},
                remote_fields={},
                start=activity.fields.start,
            )
            if scope.contains(found.fields.start):
                _both(b, bare, activity, found)
            continue
        b.add(
            CreateEvent(
                activity_id=activity.id,
                remote_id=remote_id_for(activity.id, policy.id_namespace),
                fields=activity.fields,
            )
        )

    _delete_second_copies(b, rows, activities, linked_events | adopted)

    if policy.mode == "two_way":
        for event in events.values():
            if event.remote_id in linked_events or event.remote_id in adopted:
                continue
            if event.tag is not None:
                # Ours (an activity since deleted) or another host's pushed activity on a
                # shared calendar: importing it would loop or duplicate.
                continue
            if event.fields.private or not scope.contains(event.fields.start):
                continue
            b.add(
                CreateActivity(
                    remote_id=event.remote_id,
                    fields=event.fields,
                    type_id=_type_for(policy, event),
                    series_id=event.series_id,
                    original_start=event.original_start,
                )
            )

    return Plan(
        actions=tuple(b.actions),
        skipped=tuple(b.skipped),
        conflicts=tuple(b.conflicts),
        bookkeeping=tuple(b.bookkeeping),
        stop=_stop(policy, rows, scope, activities.values(), events.values(), b.actions),
    )
