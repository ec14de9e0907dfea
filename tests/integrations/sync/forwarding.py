"""A linked calendar that hands every call to the real adapter inside it: the base of
the test wrappers that add faults to one or two calls (a crash around a create, a
listing that comes back empty once)."""

from __future__ import annotations

from integrations.calendars.provider import SyncWindow
from integrations.sync.items import CalendarItem, EventFields, OurTag
from integrations.sync.linked import LinkedCalendar, Listing


class Forwarding:
    def __init__(self, inner: LinkedCalendar) -> None:
        self.inner = inner
        self.provider = inner.provider

    def changes(self, state: str | None, window: SyncWindow) -> Listing:
        return self.inner.changes(state, window)

    def get(self, remote_id: str) -> CalendarItem | None:
        return self.inner.get(remote_id)

    def create(
        self, remote_id: str, fields: EventFields, tag: OurTag, *, fresh: bool = False
    ) -> CalendarItem:
        return self.inner.create(remote_id, fields, tag, fresh=fresh)

    def update(
        self,
        current: CalendarItem,
        fields: EventFields,
        changed: tuple[str, ...],
        tag: OurTag | None,
    ) -> CalendarItem:
        return self.inner.update(current, fields, changed, tag)

    def delete(self, current: CalendarItem) -> None:
        self.inner.delete(current)
