"""calendarView/delta in the Microsoft Graph emulator: rounds of nextLinks ending in a
deltaLink, incremental changes with @removed items, series expanded in the window,
and sync states that expire the ways Graph's do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.emulators.microsoft import MicrosoftGraphEmulator

MONDAY = datetime(2031, 3, 3, 14, 0, tzinfo=UTC)
WINDOW = {"startDateTime": "2031-03-01T00:00:00Z", "endDateTime": "2031-04-01T00:00:00Z"}


@dataclass
class Round:
    items: list[dict[str, Any]]
    delta_link: str
    requests: int
    next_links: list[str]

    def ids(self) -> list[str]:
        return [i["id"] for i in self.items]

    def removed(self) -> list[str]:
        return [i["id"] for i in self.items if "@removed" in i]

    def changed(self) -> dict[str, dict[str, Any]]:
        return {i["id"]: i for i in self.items if "@removed" not in i}


def run_round(
    graph: requests.Session, url: str, params: dict[str, str] | None = None, page_size: int = 2
) -> Round:
    """Follow nextLinks verbatim until a page carries the deltaLink."""
    items: list[dict[str, Any]] = []
    next_links: list[str] = []
    calls = 0
    while True:
        answer = graph.get(
            url, params=params, headers={"Prefer": f"odata.maxpagesize={page_size}"}, timeout=5
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        calls += 1
        assert len(page["value"]) <= page_size
        items += page["value"]
        if "@odata.deltaLink" in page:
            assert "@odata.nextLink" not in page
            return Round(items, page["@odata.deltaLink"], calls, next_links)
        url, params = page["@odata.nextLink"], None
        next_links.append(url)


def delta_url(ms: MicrosoftGraphEmulator, calendar_id: str | None = None) -> str:
    calendar = f"/calendars/{calendar_id}" if calendar_id else ""
    return f"{ms.graph_url}/me{calendar}/calendarView/delta"


def add(ms: MicrosoftGraphEmulator, hours: int, subject: str = "") -> str:
    start = MONDAY + timedelta(hours=hours)
    return str(ms.add_event(start=start, end=start + timedelta(hours=1), subject=subject)["id"])


@pytest.fixture
def graph(microsoft_emulator: MicrosoftGraphEmulator) -> requests.Session:
    return microsoft_emulator.graph_session(("Calendars.Read",))


class TestRounds:
    def test_a_full_round_pages_to_a_delta_link(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        ids = [add(ms, i, f"e{i}") for i in range(5)]

        first = graph.get(delta_url(ms), params=WINDOW, timeout=5)
        full = run_round(graph, delta_url(ms), WINDOW)

        # Graph's first delta page is often empty, with a nextLink to follow.
        assert first.json()["value"] == []
        assert "@odata.nextLink" in first.json()
        assert "odata.track-changes" in first.headers["Preference-Applied"]
        assert sorted(full.ids()) == sorted(ids)
        assert full.requests == 4  # the empty page, then 2 + 2 + 1
        assert all(i["@odata.type"] == "#microsoft.graph.event" for i in full.items)
        assert all("$skiptoken=" in link for link in full.next_links)
        assert "$deltatoken=" in full.delta_link

    def test_an_idle_round_is_one_request(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        add(ms, 0)
        link = run_round(graph, delta_url(ms), WINDOW).delta_link
        before = ms.count("calendarView.delta", ms.default_calendar_id)

        idle = run_round(graph, link)

        assert (idle.items, idle.requests) == ([], 1)
        assert ms.count("calendarView.delta", ms.default_calendar_id) == before + 1

    def test_changes_and_deletions_in_the_next_round(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        kept, edited, deleted = add(ms, 0), add(ms, 2), add(ms, 4)
        link = run_round(graph, delta_url(ms), WINDOW).delta_link

        ms.edit_event(edited, subject="Edited", showAs="free")
        ms.delete_event(deleted)
        added = add(ms, 6, "Added")
        changes = run_round(graph, link)

        assert changes.changed().keys() == {edited, added}
        assert changes.changed()[edited]["showAs"] == "free"
        assert changes.changed()[added]["subject"] == "Added"
        assert changes.removed() == [deleted]
        assert next(i for i in changes.items if i["id"] == deleted)["@removed"] == {
            "reason": "deleted"
        }
        assert kept not in changes.ids()
        assert run_round(graph, changes.delta_link).items == []

    def test_a_change_while_paging_comes_in_the_next_round(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        for i in range(4):
            add(ms, i)
        page = graph.get(delta_url(ms), params=WINDOW, timeout=5).json()
        late = add(ms, 10, "late")

        rest = run_round(graph, page["@odata.nextLink"])
        following = run_round(graph, rest.delta_link)

        assert late not in rest.ids()
        assert following.ids() == [late]

    def test_events_leaving_and_entering_the_window(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        leaving = add(ms, 0)
        entering = ms.add_event(
            start=datetime(2031, 5, 1, tzinfo=UTC), end=datetime(2031, 5, 1, 1, tzinfo=UTC)
        )["id"]
        link = run_round(graph, delta_url(ms), WINDOW).delta_link

        ms.edit_event(
            leaving,
            start=datetime(2031, 6, 1, tzinfo=UTC),
            end=datetime(2031, 6, 1, 1, tzinfo=UTC),
        )
        ms.edit_event(entering, start=MONDAY, end=MONDAY + timedelta(hours=1))
        changes = run_round(graph, link)

        assert changes.removed() == [leaving]
        assert list(changes.changed()) == [entering]

    def test_changes_outside_the_window_also_come_as_removed(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        link = run_round(graph, delta_url(ms), WINDOW).delta_link

        outside = ms.add_event(
            start=datetime(2031, 9, 1, tzinfo=UTC), end=datetime(2031, 9, 1, 1, tzinfo=UTC)
        )["id"]
        changes = run_round(graph, link)

        # The event delta page warns of exactly this: filter @removed by your window.
        assert changes.removed() == [outside]

    def test_each_calendar_has_its_own_rounds(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        team = ms.add_calendar("Team")["id"]
        mine = add(ms, 0)
        theirs = ms.add_event(team, start=MONDAY, end=MONDAY + timedelta(hours=1))["id"]

        default_round = run_round(graph, delta_url(ms, ms.default_calendar_id), WINDOW)
        team_round = run_round(graph, delta_url(ms, team), WINDOW)
        borrowed = graph.get(team_round.delta_link.replace(team, ms.default_calendar_id), timeout=5)

        assert default_round.ids() == [mine]
        assert team_round.ids() == [theirs]
        assert ms.count("calendarView.delta", team) == team_round.requests
        assert borrowed.status_code == 410

    def test_times_follow_prefer_outlook_timezone(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        add(ms, 0)
        first = graph.get(delta_url(ms), params=WINDOW, timeout=5).json()

        page = graph.get(
            first["@odata.nextLink"],
            headers={"Prefer": 'outlook.timezone="Eastern Standard Time"'},
            timeout=5,
        )

        [item] = page.json()["value"]
        assert item["start"] == {
            "dateTime": "2031-03-03T09:00:00.0000000",
            "timeZone": "Eastern Standard Time",
        }
        assert 'outlook.timezone="Eastern Standard Time"' in page.headers["Preference-Applied"]


class TestSeriesInDelta:
    def test_occurrences_exceptions_and_cancellations(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        master = ms.add_event(
            subject="Standup",
            start=datetime(2031, 3, 3, 9, tzinfo=ZoneInfo("America/New_York")),
            end=datetime(2031, 3, 3, 9, 15, tzinfo=ZoneInfo("America/New_York")),
            recurrence={
                "pattern": {"type": "daily", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2031-03-03"},
            },
        )
        window = {"startDateTime": "2031-03-03T00:00:00Z", "endDateTime": "2031-03-08T00:00:00Z"}
        full = run_round(graph, delta_url(ms), window, page_size=10)
        assert [i["type"] for i in full.items] == ["occurrence"] * 5
        assert master["id"] not in full.ids()
        tuesday = ms.occurrence_id(master["id"], datetime(2031, 3, 4, 14, tzinfo=UTC))
        thursday = ms.occurrence_id(master["id"], datetime(2031, 3, 6, 14, tzinfo=UTC))

        ms.edit_event(tuesday, subject="Standup (late)")
        ms.delete_event(thursday)
        changes = run_round(graph, full.delta_link, page_size=10)

        assert changes.changed()[tuesday]["type"] == "exception"
        assert changes.changed()[tuesday]["subject"] == "Standup (late)"
        assert changes.removed() == [thursday]

        ms.edit_event(master["id"], subject="Daily")
        renamed = run_round(graph, changes.delta_link, page_size=10)

        # Every occurrence changed with its master; the exception did not.
        assert sorted(renamed.changed()) == sorted(set(full.ids()) - {tuesday, thursday})
        assert {i["subject"] for i in renamed.changed().values()} == {"Daily"}


class TestExpiredSyncState:
    def test_expired_tokens_answer_410_sync_state_not_found(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        for i in range(3):
            add(ms, i)
        full = run_round(graph, delta_url(ms), WINDOW)
        mid_round = graph.get(delta_url(ms), params=WINDOW, timeout=5).json()["@odata.nextLink"]

        ms.expire_delta_tokens()
        expired_delta = graph.get(full.delta_link, timeout=5)
        expired_next = graph.get(mid_round, timeout=5)
        fresh = run_round(graph, delta_url(ms), WINDOW)

        for answer in (expired_delta, expired_next):
            assert answer.status_code == 410
            error = answer.json()["error"]
            assert error["code"] == "SyncStateNotFound"
            assert error["message"].startswith("The sync state generation is not found")
            assert set(error["innerError"]) >= {"date", "request-id"}
        # A full resync sends everything again, with no duplicate.
        assert sorted(fresh.ids()) == sorted(full.ids())

    def test_resync_required_points_at_a_fresh_round(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        event = add(ms, 0)
        link = run_round(graph, delta_url(ms), WINDOW).delta_link

        ms.expire_delta_tokens(code="resyncRequired")
        expired = graph.get(link, timeout=5)
        fresh = run_round(graph, expired.headers["Location"])

        assert expired.status_code == 410
        assert expired.json()["error"]["code"] == "resyncRequired"
        assert fresh.ids() == [event]

    def test_only_the_newest_generations_survive(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator
        for i in range(10):
            add(ms, i)
        full = run_round(graph, delta_url(ms), WINDOW)
        # Six links were issued (five nextLinks, then the deltaLink); four survive.
        oldest, newest = full.next_links[0], full.next_links[-1]

        stale = graph.get(oldest, timeout=5)
        replayed = graph.get(newest, timeout=5)
        again = run_round(graph, full.delta_link)
        replay_of_delta = run_round(graph, full.delta_link)

        assert stale.status_code == 410
        assert "generation=1;[highest=6]" in stale.json()["error"]["message"]
        assert replayed.status_code == 200
        assert again.items == replay_of_delta.items == []

    def test_options_delta_does_not_take_and_a_missing_window(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        ms = microsoft_emulator

        selected = graph.get(delta_url(ms), params={**WINDOW, "$select": "subject"}, timeout=5)
        windowless = graph.get(delta_url(ms), timeout=5)
        forged = graph.get(delta_url(ms) + "?$deltatoken=forged", timeout=5)

        assert selected.status_code == 400
        assert selected.json()["error"]["code"] == "ErrorInvalidUrlQuery"
        assert windowless.status_code == 400
        assert windowless.json()["error"]["code"] == "ErrorInvalidParameter"
        assert forged.status_code == 410
