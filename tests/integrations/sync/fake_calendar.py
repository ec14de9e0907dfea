"""An in-memory linked calendar for the engine's tests: the LinkedCalendar contract
(tests/integrations/sync/linked/) without a network. The emulator- and Radicale-backed
adapters pass the same contract; the engine's tests over them are in test_end_to_end.py.

It behaves as providers do where the engine must cope: it trims descriptions (a
provider normalising what it is sent), bumps etags on every write, keeps sync states
that can expire, and can fail on demand (after making the event, like a connection
that drops once the provider has done the work).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from integrations.accounts.errors import (
    PreconditionFailed,
    ProviderError,
    SyncStateExpired,
    Unavailable,
    WriteRefused,
)
from integrations.calendars.provider import SyncWindow
from integrations.sync.items import CalendarItem, EventFields, OurTag
from integrations.sync.linked import Listing


@dataclass
class FakeCalendar:
    provider: str = "fake"
    events: dict[str, CalendarItem] = field(default_factory=dict)
    #: remote id -> the state number at which it last changed (or was deleted: None item).
    changed_at: dict[str, int] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    version: int = 0
    oldest_state: int = 0
    read_only: bool = False
    calls: list[str] = field(default_factory=list)
    #: Raised by the next write, after the write happened (a dropped connection).
    fail_after_write: ProviderError | None = None
    #: Raised by the next call of any kind, before it does anything.
    fail_next: ProviderError | None = None
    #: Answer listings with nothing and lookups with "gone" (a provider's bad moment).
    pretend_empty: bool = False
    on_call: Callable[[str], None] | None = None

    # -- the user's hands -------------------------------------------------------------

    def _bump(self, remote_id: str) -> str:
        self.version = next(self.clock)
        self.changed_at[remote_id] = self.version
        return f"etag-{self.version}"

    def user_adds(self, remote_id: str, fields: EventFields, **extra: object) -> CalendarItem:
        item = CalendarItem(remote_id=remote_id, etag=self._bump(remote_id), fields=fields, **extra)  # type: ignore[arg-type]
        self.events[remote_id] = item
        self.deleted.discard(remote_id)
        return item

    def user_edits(self, remote_id: str, **changes: object) -> None:
        item = self.events[remote_id]
        fields = msgspec.structs.replace(item.fields, **changes)
        self.events[remote_id] = msgspec.structs.replace(
            item, fields=fields, etag=self._bump(remote_id)
        )

    def user_deletes(self, remote_id: str) -> None:
        del self.events[remote_id]
        self.deleted.add(remote_id)
        self._bump(remote_id)

    def expire_states(self) -> None:
        self.oldest_state = self.version + 1

    def tagged(self) -> list[CalendarItem]:
        return [e for e in self.events.values() if e.tag is not None]

    # -- LinkedCalendar -----------------------------------------------------------------

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def _written(self) -> None:
        if self.fail_after_write is not None:
            error, self.fail_after_write = self.fail_after_write, None
            raise error

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        self._call("changes")
        if state is None:
            items = [
                e for e in self.events.values() if window.overlaps(e.fields.start, e.fields.end)
            ]
            if self.pretend_empty:
                items = []
            return Listing(changed=tuple(items), state=str(self.version), full=True)
        since = int(state)
        if since < self.oldest_state:
            raise SyncStateExpired("the sync state expired")
        touched = [rid for rid, at in self.changed_at.items() if at > since]
        return Listing(
            changed=tuple(self.events[r] for r in touched if r in self.events),
            removed=tuple(r for r in touched if r not in self.events),
            state=str(self.version),
        )

    def get(self, remote_id: str) -> CalendarItem | None:
        self._call("get")
        return None if self.pretend_empty else self.events.get(remote_id)

    def _normalised(self, fields: EventFields) -> EventFields:
        return msgspec.structs.replace(fields, description=fields.description.strip())

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        self._call("create")
        if self.read_only:
            raise WriteRefused("the calendar is read-only")
        item = CalendarItem(
            remote_id=remote_id,
            etag=self._bump(remote_id),
            fields=self._normalised(fields),
            tag=tag,
        )
        self.events[remote_id] = item
        self.deleted.discard(remote_id)
        self._written()
        return item

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        self._call("update")
        if self.read_only or not current.host_is_organiser:
            raise WriteRefused("not yours to change")
        stored = self.events.get(current.remote_id)
        if stored is None or stored.etag != current.etag:
            raise PreconditionFailed("the event changed")
        sent = self._normalised(fields)
        new_fields = msgspec.structs.replace(
            stored.fields, **{name: getattr(sent, name) for name in changed}
        )
        item = msgspec.structs.replace(
            stored,
            fields=new_fields,
            etag=self._bump(current.remote_id),
            tag=tag if tag is not None else stored.tag,
        )
        self.events[item.remote_id] = item
        self._written()
        return item

    def delete(self, current: CalendarItem) -> None:
        self._call("delete")
        if self.read_only:
            raise WriteRefused("the calendar is read-only")
        if current.remote_id in self.events:
            self.user_deletes(current.remote_id)
        self._written()

    @property
    def writes(self) -> int:
        return sum(1 for c in self.calls if c in {"create", "update", "delete"})


def unavailable() -> Unavailable:
    return Unavailable("the connection dropped")
