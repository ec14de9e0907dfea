"""``calendarView/delta`` for the Microsoft Graph emulator.

A round starts with ``startDateTime``/``endDateTime`` (or a saved ``@odata.deltaLink``)
and pages through ``@odata.nextLink`` until a page carries the next deltaLink
(https://learn.microsoft.com/graph/delta-query-events). The state tokens behind the
links are opaque and held here, as Graph holds its sync states:

- The first page of a fresh round is empty but carries a nextLink, as Graph's
  calendarView delta commonly answers (see microsoftgraph/microsoft-graph-docs#2839);
  a client must keep following nextLink, even after an empty page.
- Series come expanded: occurrences and exceptions inside the window, never masters.
- An incremental round sends what changed since the client's snapshot: new and
  changed instances in full, vanished ones as ``{"id", "@removed": {"reason":
  "deleted"}}``, and (as the event delta page warns) also ``@removed`` for events
  outside the window that changed meanwhile.
- Each token belongs to a chain of generations; only the newest ``keep`` are kept,
  so an old nextLink or deltaLink fails with 410 ``SyncStateNotFound`` ("The sync
  state generation is not found; generation=149;[highest=157]..." as reported in
  microsoftgraph/microsoft-graph-docs#2350). ``expire`` makes every token fail,
  with that error or with ``resyncRequired`` (410 and a Location header with the
  initial query, the "synchronization reset" of the delta query overview).

The caller holds the emulator's lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.emulators.microsoft_calendar import Calendar, CalendarStore, in_zone
from tests.emulators.microsoft_errors import GraphError
from tests.emulators.microsoft_time import iso_utc, parse_instant

UNSUPPORTED_WITH_DELTA = ("$orderby", "$filter", "$select", "$expand", "$search", "$top")


@dataclass
class Chain:
    calendar_id: str
    window: tuple[datetime, datetime]
    path: str
    highest: int = 0


@dataclass
class SyncState:
    chain: Chain
    generation: int
    kind: str  # "skip" (a nextLink) or "delta" (a deltaLink)
    items: list[dict[str, Any]]  # the round's items, shared by its pages
    offset: int  # where this nextLink's page starts
    snapshot: dict[str, str]  # instance id -> changeKey, as the client will know it
    seq: int  # the store's sequence number when the snapshot was taken


@dataclass
class Expired:
    status: int
    code: str
    chain: Chain
    generation: int


@dataclass
class DeltaTracker:
    base_url: str
    keep: int = 4
    empty_first_page: bool = True
    states: dict[str, SyncState] = field(default_factory=dict)
    expired: dict[str, Expired] = field(default_factory=dict)

    def expire(self, *, status: int = 410, code: str = "SyncStateNotFound") -> None:
        for token, state in self.states.items():
            self.expired[token] = Expired(status, code, state.chain, state.generation)
        self.states.clear()

    def delta(
        self,
        store: CalendarStore,
        calendar: Calendar,
        path: str,
        query: dict[str, str],
        *,
        page_size: int,
        zone_name: str,
    ) -> dict[str, Any]:
        lowered = {k.lower(): v for k, v in query.items()}
        skip = lowered.get("$skiptoken")
        delta = lowered.get("$deltatoken")
        if skip is not None or delta is not None:
            token = skip if skip is not None else delta
            state = self._lookup(str(token), "skip" if skip is not None else "delta", calendar)
            chain = state.chain
            if state.kind == "skip":
                items, offset, snapshot, seq = state.items, state.offset, state.snapshot, state.seq
            else:
                items, snapshot, seq = self._round(store, calendar, chain, state)
                offset = 0
            first_page_empty = False
        else:
            unsupported = [name for name in UNSUPPORTED_WITH_DELTA if name in lowered]
            if unsupported:
                raise GraphError(
                    400,
                    "ErrorInvalidUrlQuery",
                    "The following parameters are not supported with change tracking over the "
                    "'CalendarView' resource: '$orderby, $filter, $select, $expand, $search, "
                    "$top'.",
                )
            chain = Chain(calendar.id, window_of(lowered), path)
            items, snapshot, seq = self._round(store, calendar, chain, None)
            offset = 0
            first_page_empty = self.empty_first_page
        end = offset if first_page_empty else offset + page_size
        page = items[offset:end]
        answer: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#Collection(event)",
        }
        if end < len(items) or first_page_empty:
            token = self._issue(chain, "skip", items, end, snapshot, seq)
            answer["@odata.nextLink"] = self._link(chain, "$skiptoken", token)
        else:
            token = self._issue(chain, "delta", [], 0, snapshot, seq)
            answer["@odata.deltaLink"] = self._link(chain, "$deltatoken", token)
        answer["value"] = [in_zone(item, zone_name) for item in page]
        return answer

    def _round(
        self,
        store: CalendarStore,
        calendar: Calendar,
        chain: Chain,
        previous: SyncState | None,
    ) -> tuple[list[dict[str, Any]], dict[str, str], int]:
        if previous is not None and not store.changed_since(calendar, previous.seq):
            # Nothing in the calendar changed: the view (which depends only on the
            # stored events and the window) is what the client already knows.
            return [], previous.snapshot, store.seq
        start, end = chain.window
        current = {i.id: i for i in store.view(calendar, start, end)}
        keys = {id_: store.change_key(i.version) for id_, i in current.items()}
        known = previous.snapshot if previous else {}
        items: list[dict[str, Any]] = []
        for id_, instance in current.items():
            if known.get(id_) != keys[id_]:
                items.append({"@odata.type": "#microsoft.graph.event", **store.render(instance)})
        removed = [id_ for id_ in known if id_ not in current]
        if previous is not None:
            # Graph also reports, as removed, events outside the window that changed.
            removed += [
                r.id
                for r in store.changed_since(calendar, previous.seq)
                if r.kind != "seriesMaster"
                and r.id not in current
                and r.id not in known
                and r.id not in removed
            ]
        items += [
            {"@odata.type": "#microsoft.graph.event", "id": id_, "@removed": {"reason": "deleted"}}
            for id_ in removed
        ]
        return items, keys, store.seq

    def _issue(
        self,
        chain: Chain,
        kind: str,
        items: list[dict[str, Any]],
        offset: int,
        snapshot: dict[str, str],
        seq: int,
    ) -> str:
        chain.highest += 1
        token = secrets.token_urlsafe(32)
        self.states[token] = SyncState(chain, chain.highest, kind, items, offset, snapshot, seq)
        # Only the newest generations of a chain survive, as in Graph's sync state cache.
        for old, state in list(self.states.items()):
            if state.chain is chain and state.generation <= chain.highest - self.keep:
                del self.states[old]
                self.expired[old] = Expired(410, "SyncStateNotFound", chain, state.generation)
        return token

    def _link(self, chain: Chain, name: str, token: str) -> str:
        return f"{self.base_url}/v1.0{chain.path}?{name}={token}"

    def _lookup(self, token: str, kind: str, calendar: Calendar) -> SyncState:
        state = self.states.get(token)
        if state is not None and state.kind == kind and state.chain.calendar_id == calendar.id:
            return state
        expired = self.expired.get(token)
        if expired is None:
            raise GraphError(410, "SyncStateNotFound", "The sync state is not found.")
        chain = expired.chain
        if expired.code.lower() == "resyncrequired":
            start, end = chain.window
            initial = urlencode({"startDateTime": iso_utc(start), "endDateTime": iso_utc(end)})
            raise GraphError(
                expired.status,
                expired.code,
                "Resync required.",
                headers={"Location": f"{self.base_url}/v1.0{chain.path}?{initial}"},
            )
        kept = "".join(f"[{s.generation}]" for s in self.states.values() if s.chain is chain)
        raise GraphError(
            expired.status,
            expired.code,
            f"The sync state generation is not found; generation={expired.generation};"
            f"[highest={chain.highest}]{kept}.",
        )


def window_of(lowered_query: dict[str, str]) -> tuple[datetime, datetime]:
    """The calendarView window; both bounds are required, as Graph requires them."""
    start = lowered_query.get("startdatetime")
    end = lowered_query.get("enddatetime")
    if not start or not end:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    window = parse_instant(start, "startDateTime"), parse_instant(end, "endDateTime")
    if window[1] <= window[0]:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "The parameter 'EndDateTime' must be later than the parameter 'StartDateTime'.",
        )
    return window
