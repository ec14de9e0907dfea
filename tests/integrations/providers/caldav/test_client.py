"""The CalDAV adapter against a real Radicale: discovery, recurrence and zones,
incremental changes by sync-collection and by ctag/etag polling, and every error
class."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    ProviderError,
    RemoteNotFound,
    Unavailable,
)
from integrations.calendars.provider import RemoteEvent, SyncWindow
from integrations.net.fetch import Limits
from integrations.net.guard import AddressPolicy
from integrations.providers.caldav import client
from integrations.providers.caldav.client import CalDavProvider
from integrations.providers.caldav.state import DavState
from tests.integrations.providers.caldav.radicale import PASSWORD, USER, Radicale

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
WINDOW = SyncWindow(NOW - timedelta(days=30), NOW + timedelta(days=365))
YEAR = NOW.year + 1


def provider(
    dav: Radicale, password: str = PASSWORD, auth_type: str | None = None, **limits: float
) -> CalDavProvider:
    """``auth_type``: as a stored account has it (its first request is not a 401)."""
    return CalDavProvider(
        dav.url,
        USER,
        password,
        AddressPolicy(allow_private=True),
        limits=Limits(**limits) if limits else None,  # type: ignore[arg-type]
        auth_type=auth_type,
    )


def calendar_id(dav: Radicale, name: str = "calendar") -> str:
    return dav.url.rstrip("/") + dav.calendar_path(name)


def sync(p: CalDavProvider, dav: Radicale, state: str | None) -> tuple[list[RemoteEvent], str]:
    page = p.changes(calendar_id(dav), sync_state=state, window=WINDOW)
    assert page.next_page is None
    assert page.sync_state
    return page.events, page.sync_state


def spans(p: CalDavProvider, events: list[RemoteEvent]) -> dict[str, tuple[datetime, datetime]]:
    found = {}
    for event in events:
        if event.deleted:
            continue
        facts = p.facts(event, host_zone="UTC")
        assert facts is not None
        found[event.remote_id] = (facts.start, facts.end)
    return found


def test_discovery_from_the_server_address_lists_the_event_calendars(dav: Radicale) -> None:
    calendars = provider(dav).list_calendars()
    assert [(c.remote_id, c.primary) for c in calendars] == [
        (calendar_id(dav), True),
        (calendar_id(dav, "work"), False),
    ]
    assert ("PROPFIND", "/.well-known/caldav") in dav.seen, "RFC 6764 discovery"


def test_calendars_carry_their_name_and_colour_and_task_lists_are_left_out(
    dav: Radicale,
) -> None:
    dav.make_calendar("todo", components=("VTODO",))
    dav.make_calendar("events", components=("VEVENT", "VTODO"))

    calendars = provider(dav).list_calendars()

    assert [(c.name, c.colour) for c in calendars] == [
        ("Calendar", "#3a87ad"),
        ("Events", "#3a87ad"),
        ("Work", "#3a87ad"),
    ]
    assert calendar_id(dav, "todo") not in {c.remote_id for c in calendars}


#: A weekly series in Outlook's Windows zone name with its own VTIMEZONE; the
#: override comes BEFORE its master (as some servers write it); EXDATE, RDATE.
SERIES = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Outlook-ish//EN
BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:series@radicale.test
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=W. Europe Standard Time:{YEAR}0119T090000
DTSTART;TZID=W. Europe Standard Time:{YEAR}0119T140000
DTEND;TZID=W. Europe Standard Time:{YEAR}0119T150000
SUMMARY:Standup (moved)
END:VEVENT
BEGIN:VEVENT
UID:series@radicale.test
DTSTAMP:20260101T000000Z
DTSTART;TZID=W. Europe Standard Time:{YEAR}0105T090000
DTEND;TZID=W. Europe Standard Time:{YEAR}0105T093000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=W. Europe Standard Time:{YEAR}0112T090000
RDATE;TZID=W. Europe Standard Time:{YEAR}0107T090000
SUMMARY:Standup
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(YEAR, 1, day, hour, minute, tzinfo=UTC)


def test_series_are_expanded_with_exceptions_and_foreign_zones(dav: Radicale) -> None:
    dav.put(SERIES, uid="series@radicale.test")
    p = provider(dav)
    events, state = sync(p, dav, None)
    # Winter in W. Europe: UTC+1. 5th, (12th excluded), RDATE 7th, 19th moved to 14:00, 26th.
    assert sorted(spans(p, events).values()) == [
        (_utc(5, 8), _utc(5, 8, 30)),
        (_utc(7, 8), _utc(7, 8, 30)),
        (_utc(19, 13), _utc(19, 14)),
        (_utc(26, 8), _utc(26, 8, 30)),
    ]

    # The user cancels one more instance in their app: only that occurrence goes.
    edited = SERIES.replace(
        f"EXDATE;TZID=W. Europe Standard Time:{YEAR}0112T090000",
        f"EXDATE;TZID=W. Europe Standard Time:{YEAR}0112T090000,{YEAR}0126T090000",
    )
    dav.put(edited, uid="series@radicale.test")
    changes, state = sync(p, dav, state)
    gone = [e.remote_id for e in changes if e.deleted]
    assert gone == [f"series@radicale.test:{YEAR}0126T080000Z"]

    dav.delete("series@radicale.test")
    changes, _ = sync(p, dav, state)
    assert len(changes) == 3
    assert all(e.deleted for e in changes)


def test_without_sync_collection_changes_come_from_ctag_and_etags(dav: Radicale) -> None:
    """The front answers sync-collection REPORTs as a server without RFC 6578 does
    (403 DAV:supported-report); everything else is Radicale's own answer."""
    dav.sync_collection = False
    first = dav.add("First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    second = dav.add("Second", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    p = provider(dav)
    events, state = sync(p, dav, None)
    assert {e.remote_id for e in events} == {first, second}

    dav.seen.clear()
    idle, state = sync(p, dav, state)
    assert idle == []
    assert dav.seen == [("PROPFIND", dav.calendar_path())], "idle: one ctag PROPFIND"

    dav.rename(first, "Renamed")
    dav.delete(second)
    third = dav.add("Third", NOW + timedelta(hours=5), NOW + timedelta(hours=6))
    changes, _ = sync(p, dav, state)
    by_id = {e.remote_id: e for e in changes}
    assert set(by_id) == {first, second, third}
    assert by_id[second].deleted
    assert not by_id[first].deleted


def test_an_idle_round_is_one_request(dav: Radicale) -> None:
    dav.add("First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    p = provider(dav)
    _, state = sync(p, dav, None)
    dav.seen.clear()
    idle, _ = sync(p, dav, state)
    assert idle == []
    assert dav.seen == [("REPORT", dav.calendar_path())]


def _titles(p: CalDavProvider, events: list[RemoteEvent]) -> dict[str, str | None]:
    titles = {}
    for event in events:
        facts = None if event.deleted else p.facts(event, host_zone="UTC")
        titles[event.remote_id] = facts.title if facts is not None else None
    return titles


def test_sync_collection_brings_the_events_text_in_the_same_answer(dav: Radicale) -> None:
    """RFC 6578 lets the REPORT ask for calendar-data: a full sync, and an incremental
    one with changes, are one request each, no calendar-multiget."""
    first = dav.add("First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    second = dav.add("Second", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    p = provider(dav, auth_type="basic")
    dav.seen.clear()
    events, state = sync(p, dav, None)
    assert _titles(p, events) == {first: "First", second: "Second"}
    assert dav.seen == [("REPORT", dav.calendar_path())]

    dav.rename(first, "Renamed")
    dav.delete(second)
    third = dav.add("Third", NOW + timedelta(hours=5), NOW + timedelta(hours=6))
    dav.seen.clear()
    changes, _ = sync(p, dav, state)
    assert _titles(p, changes) == {first: "Renamed", second: None, third: "Third"}
    assert dav.seen == [("REPORT", dav.calendar_path())]


def test_a_server_that_sends_no_data_in_sync_collection_is_read_by_multiget(
    dav: Radicale,
) -> None:
    dav.sync_data = False
    first = dav.add("First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    p = provider(dav, auth_type="basic")
    dav.seen.clear()
    events, state = sync(p, dav, None)
    assert _titles(p, events) == {first: "First"}
    assert [m for m, _ in dav.seen] == ["REPORT", "REPORT"], "listing, then multiget"

    dav.rename(first, "Renamed")
    dav.seen.clear()
    changes, state = sync(p, dav, state)
    assert _titles(p, changes) == {first: "Renamed"}
    assert [m for m, _ in dav.seen] == ["REPORT", "REPORT"]

    dav.seen.clear()
    idle, _ = sync(p, dav, state)
    assert idle == []
    assert dav.seen == [("REPORT", dav.calendar_path())]


def test_a_calendar_too_large_for_one_answer_is_listed_then_read_in_batches(
    dav: Radicale, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer with every event's text is over the size limit: the listing is asked
    again without it, and the events are read in calendar-multiget batches (each
    under the limit), instead of the calendar failing for good."""
    monkeypatch.setattr(client, "MULTIGET_BATCH", 1)
    long = "DESCRIPTION:" + "Agenda item. " * 250  # ~3 kB per event
    uids = [
        dav.add(f"Event {n}", NOW + timedelta(hours=n), NOW + timedelta(hours=n, minutes=30), long)
        for n in range(1, 5)
    ]
    p = provider(dav, auth_type="basic", max_bytes=8000)
    dav.seen.clear()
    events, _ = sync(p, dav, None)
    assert _titles(p, events) == {uid: f"Event {n}" for n, uid in enumerate(uids, 1)}
    # The refused answer (cut at the limit), the listing, one multiget per event.
    assert [m for m, _ in dav.seen] == ["REPORT"] * 6


def test_a_truncated_sync_answer_is_followed_up_with_its_token(dav: Radicale) -> None:
    """RFC 6578 3.6: a server may cut the answer short (507 for the collection itself)
    and give a token to go on from; what the first page listed (here without its
    text) is read too."""
    dav.add("First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    p = provider(dav, auth_type="basic")
    _, before = sync(p, dav, None)
    second = dav.add("Second", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    _, middle = sync(p, dav, before)
    third = dav.add("Third", NOW + timedelta(hours=5), NOW + timedelta(hours=6))
    token = DavState.decode(middle).token
    page = (
        '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">'
        f"<D:response><D:href>{dav.calendar_path()}{second}.ics</D:href><D:propstat>"
        '<D:prop><D:getetag>"an-older-etag"</D:getetag></D:prop>'
        "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
        f"<D:response><D:href>{dav.calendar_path()}</D:href>"
        "<D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>"
        f"<D:sync-token>{token}</D:sync-token></D:multistatus>"
    )
    dav.fail_next(207, {"Content-Type": "application/xml"}, page.encode())
    dav.seen.clear()
    changes, _ = sync(p, dav, before)
    assert _titles(p, changes) == {second: "Second", third: "Third"}
    # The cut page, the page after it (with the third event's text), the multiget
    # of the second event.
    assert [m for m, _ in dav.seen] == ["REPORT"] * 3


def test_a_wrong_password_is_auth_expired(dav: Radicale) -> None:
    with pytest.raises(AuthExpired, match="refused the user name or app password"):
        provider(dav, "not-the-password").list_calendars()


@pytest.mark.parametrize(
    ("status", "error"),
    # A calendar the account may no longer read (unshared) is as good as gone.
    [(403, RemoteNotFound), (404, RemoteNotFound), (500, Unavailable), (502, Unavailable)],
)
def test_http_failures_are_typed(dav: Radicale, status: int, error: type[Exception]) -> None:
    p = provider(dav)
    _, state = sync(p, dav, None)
    dav.fail_next(status)
    with pytest.raises(error) as caught:
        sync(p, dav, state)
    assert type(caught.value) is error


def test_a_forbidden_account_is_a_provider_error_naming_the_server(dav: Radicale) -> None:
    dav.fail_next(403)
    dav.fail_next(403)  # the given address and /.well-known/caldav
    with pytest.raises(ProviderError, match=r"no CalDAV account was found .* 403"):
        provider(dav).list_calendars()


def test_invalid_xml_is_a_bad_response(dav: Radicale) -> None:
    p = provider(dav)
    _, state = sync(p, dav, None)
    dav.answer_invalid_xml_next()
    with pytest.raises(BadResponse, match="invalid XML"):
        sync(p, dav, state)


def test_a_server_that_hangs_is_unavailable(dav: Radicale) -> None:
    p = provider(dav, connect_timeout=0.5, total_timeout=0.5)
    _, state = sync(p, dav, None)
    dav.fail_next(207, stall=2.0)
    with pytest.raises(Unavailable, match="did not answer"):
        sync(p, dav, state)


def test_an_unreadable_resource_is_named_and_costs_nothing_else(dav: Radicale) -> None:
    good = dav.add("Good", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    backwards = dav.add("Backwards", NOW + timedelta(hours=5), NOW + timedelta(hours=5))
    text = dav.get(backwards).replace(
        f"DTEND:{(NOW + timedelta(hours=5)).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTEND:{(NOW + timedelta(hours=4)).strftime('%Y%m%dT%H%M%SZ')}",
    )
    dav.put(text, uid=backwards)
    p = provider(dav)
    events, _ = sync(p, dav, None)
    assert set(spans(p, [e for e in events if e.remote_id == good])) == {good}
    [broken] = [e for e in events if e.remote_id == backwards]
    with pytest.raises(ValueError, match="ends before it starts"):
        p.facts(broken, host_zone="UTC")
