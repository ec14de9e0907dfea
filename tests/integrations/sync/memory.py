"""Two in-memory sides and a tiny executor that applies a plan to them.

It behaves as the real executors must: it writes the status row from the items as
the sides hold them after the write (the calendar normalises what it is given, as
providers do), so the tests see whether the planner recognises its own echo.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from integrations.sync.actions import (
    CreateActivity,
    CreateEvent,
    DeleteEvent,
    Forget,
    Link,
    Plan,
    RestoreActivity,
    Settle,
    TrashActivity,
    UpdateActivity,
    UpdateEvent,
)
from integrations.sync.items import ActivityItem, CalendarItem, EventFields, OurTag
from integrations.sync.planner import plan
from integrations.sync.policy import Policy
from integrations.sync.status import StatusRow, advance, new_status


def normalise(fields: EventFields) -> EventFields:
    """What a provider does to what it is sent: trims the description."""
    return msgspec.structs.replace(fields, description=fields.description.strip())


@dataclass
class World:
    host_id: int
    activities: dict[int, ActivityItem] = field(default_factory=dict)
    events: dict[str, CalendarItem] = field(default_factory=dict)
    status: dict[tuple[int, str], StatusRow] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    etags: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def etag(self) -> str:
        return f"e{next(self.etags)}"

    def plan(self, policy: Policy, now: datetime) -> Plan:
        return plan(
            list(self.status.values()),
            list(self.activities.values()),
            list(self.events.values()),
            policy,
            now,
        )

    def add_activity(self, fields: EventFields, **extra: object) -> ActivityItem:
        options: dict[str, object] = {"owner_id": self.host_id, "type_id": 1, **extra}
        activity = ActivityItem(id=next(self.ids), fields=fields, **options)  # type: ignore[arg-type]
        self.activities[activity.id] = activity
        return activity

    def add_event(self, remote_id: str, fields: EventFields, **extra: object) -> CalendarItem:
        event = CalendarItem(remote_id=remote_id, etag=self.etag(), fields=fields, **extra)  # type: ignore[arg-type]
        self.events[remote_id] = event
        return event

    def edit_activity(self, activity_id: int, **changes: object) -> None:
        activity = self.activities[activity_id]
        fields = msgspec.structs.replace(activity.fields, **changes)
        self.activities[activity_id] = msgspec.structs.replace(activity, fields=fields)

    def edit_event(self, remote_id: str, **changes: object) -> None:
        event = self.events[remote_id]
        fields = msgspec.structs.replace(event.fields, **changes)
        self.events[remote_id] = msgspec.structs.replace(event, fields=fields, etag=self.etag())

    def row(self, activity_id: int, remote_id: str) -> StatusRow:
        return self.status[(activity_id, remote_id)]

    def crash(self, the_plan: Plan, at: int) -> None:
        """Carry out the first ``at`` writes, then the remote write of the next one, then
        die before its status row is committed (a create's event is left unlinked)."""
        self.apply(msgspec.structs.replace(the_plan, actions=the_plan.actions[:at]))
        action = the_plan.actions[at]
        if isinstance(action, CreateEvent):
            rows = dict(self.status)
            self._write(action)
            self.status = rows

    def apply(self, the_plan: Plan) -> None:
        """Carry out a plan: bookkeeping that makes rows first, writes, then settling."""
        for entry in the_plan.bookkeeping:
            if isinstance(entry, Link):
                activity = self.activities[entry.activity_id]
                event = self.events[entry.remote_id]
                self.status[(entry.activity_id, entry.remote_id)] = new_status(
                    activity, event, "crm", agreed=False
                )
            elif isinstance(entry, Forget):
                self.status.pop((entry.activity_id, entry.remote_id), None)
        for action in the_plan.actions:
            self._write(action)
        for entry in the_plan.bookkeeping:
            if isinstance(entry, Settle):
                key = (entry.activity_id, entry.remote_id)
                self.status[key] = advance(
                    self.status[key],
                    self.activities[entry.activity_id],
                    self.events[entry.remote_id],
                    entry.fields,
                )

    def _write(self, action: object) -> None:
        if isinstance(action, CreateEvent):
            if action.replaces is not None:
                self.status.pop((action.activity_id, action.replaces), None)
            if action.remote_id in self.events:
                # Google answers 409, CalDAV If-None-Match 412: the planner must adopt.
                raise AssertionError(f"create of an existing event {action.remote_id}")
            activity = self.activities[action.activity_id]
            event = CalendarItem(
                remote_id=action.remote_id,
                etag=self.etag(),
                fields=normalise(action.fields),
                tag=OurTag(owner_id=self.host_id, activity_id=activity.id),
            )
            self.events[event.remote_id] = event
            self.status[(activity.id, event.remote_id)] = new_status(activity, event, "crm")
        elif isinstance(action, UpdateEvent):
            key = (action.activity_id, action.remote_id)
            current = self.events[action.remote_id]
            # A PATCH of the changed fields only, which the provider normalises.
            sent = normalise(action.fields)
            written = {name: getattr(sent, name) for name in action.changed}
            fields = msgspec.structs.replace(current.fields, **written)
            event = msgspec.structs.replace(current, fields=fields, etag=self.etag())
            self.events[action.remote_id] = event
            self.status[key] = advance(
                self.status[key], self.activities[action.activity_id], event, action.changed
            )
        elif isinstance(action, DeleteEvent):
            del self.events[action.remote_id]
            assert action.activity_id is not None
            # A second copy of an activity's event has no pair of its own.
            self.status.pop((action.activity_id, action.remote_id), None)
        elif isinstance(action, CreateActivity):
            if action.replaces is not None:
                self.status.pop((action.replaces, action.remote_id), None)
            event = self.events[action.remote_id]
            activity = ActivityItem(
                id=next(self.ids),
                owner_id=self.host_id,
                type_id=action.type_id,
                fields=action.fields,
            )
            self.activities[activity.id] = activity
            if action.retag:
                tag = OurTag(owner_id=self.host_id, activity_id=activity.id)
                event = msgspec.structs.replace(event, tag=tag, etag=self.etag())
                self.events[event.remote_id] = event
            self.status[(activity.id, event.remote_id)] = new_status(activity, event, "calendar")
        elif isinstance(action, UpdateActivity):
            key = (action.activity_id, action.remote_id)
            activity = msgspec.structs.replace(
                self.activities[action.activity_id], fields=action.fields
            )
            self.activities[activity.id] = activity
            self.status[key] = advance(
                self.status[key], activity, self.events[action.remote_id], action.changed
            )
        elif isinstance(action, TrashActivity):
            key = (action.activity_id, action.remote_id)
            self.activities[action.activity_id] = msgspec.structs.replace(
                self.activities[action.activity_id], trashed=True
            )
            self.status[key] = msgspec.structs.replace(self.status[key], trashed=True)
        elif isinstance(action, RestoreActivity):
            key = (action.activity_id, action.remote_id)
            activity = msgspec.structs.replace(
                self.activities[action.activity_id], trashed=False, fields=action.fields
            )
            self.activities[activity.id] = activity
            origin = self.status[key].origin
            self.status[key] = new_status(activity, self.events[action.remote_id], origin)
        else:  # pragma: no cover
            raise AssertionError(action)
