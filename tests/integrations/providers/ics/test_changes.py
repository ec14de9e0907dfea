"""The feed diff against its brute force: after any sequence of feed versions,
applying each round's changes to the store gives exactly what one full read of the
last version gives (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.calendars.provider import SyncWindow
from integrations.net.fetch import Fetched
from integrations.providers.ics.changes import read_changes
from integrations.providers.ics.state import FeedState
from tests.integrations.providers.ical.feeds import vcalendar, vevent

BASE = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW = SyncWindow(BASE, BASE + timedelta(days=14))
URL = "https://calendar.example.com/secret/basic.ics"

# uid -> (start hour offset, length in hours, free, title, daily count or 0, excluded n)
Event = tuple[int, int, bool, str, int, int]
_EVENT = st.tuples(
    st.integers(-48, 24 * 16),
    st.integers(0, 30),
    st.booleans(),
    st.sampled_from(["a", "b"]),
    st.integers(0, 5),
    st.integers(0, 5),
)
_VERSION = st.dictionaries(st.sampled_from([f"u{n}" for n in range(6)]), _EVENT, max_size=6)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def render(version: dict[str, Event]) -> bytes:
    events = []
    for uid, (offset, hours, free, title, count, excluded) in sorted(version.items()):
        start = BASE + timedelta(hours=offset)
        props = [f"DTSTART:{_stamp(start)}", f"DURATION:PT{hours}H", f"SUMMARY:{title}"]
        if free:
            props.append("TRANSP:TRANSPARENT")
        if count:
            props.append(f"RRULE:FREQ=DAILY;COUNT={count}")
            if excluded < count:
                props.append(f"EXDATE:{_stamp(start + timedelta(days=excluded))}")
        events.append(vevent(uid, *props))
    return vcalendar(*events)


def fetched(body: bytes, *, not_modified: bool = False) -> Fetched:
    return Fetched(
        URL, 304 if not_modified else 200, b"" if not_modified else body, None, None, None
    )


@settings(max_examples=60, deadline=None)
@given(versions=st.lists(st.tuples(_VERSION, st.booleans()), min_size=1, max_size=6))
def test_incremental_rounds_add_up_to_a_full_read(
    versions: list[tuple[dict[str, Event], bool]],
) -> None:
    store: dict[str, str | None] = {}
    state: FeedState | None = None
    last_body = b""
    for version, conditional in versions:
        body = render(version)
        # A server with validators answers 304 when nothing changed.
        unchanged = state is not None and body == last_body and conditional
        page = read_changes(state, fetched(body, not_modified=unchanged), WINDOW)
        if state is None:
            store = {e.remote_id: e.etag for e in page.events}
        else:
            for event in page.events:
                if event.deleted:
                    store.pop(event.remote_id, None)
                else:
                    store[event.remote_id] = event.etag
        assert page.sync_state is not None
        state = FeedState.decode(page.sync_state)
        last_body = body
    full = read_changes(None, fetched(last_body), WINDOW)
    assert store == {e.remote_id: e.etag for e in full.events}
    assert not any(e.deleted for e in full.events)
