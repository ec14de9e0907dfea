"""Wall-clock correctness and the public compute_slots / group_by_local_date contract."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from availability import (
    BusyBlock,
    EventRules,
    InvalidInputError,
    Schedule,
    Slot,
    classify_google_event,
    compute_slots,
    group_by_local_date,
)
from tests.availability.helpers import block, hhmm, local, local_starts, minutes, utc

ALL_DAY = {d: ["00:00-24:00"] for d in range(7)}


class TestDaylightSaving:
    def test_spring_forward_gap_gives_no_slot(self) -> None:
        # New York, Sunday 2024-03-10: 02:00 jumps to 03:00.
        rules = EventRules(minutes(30))
        window = (local("America/New_York", 2024, 3, 10), local("America/New_York", 2024, 3, 10, 5))
        got = local_starts("America/New_York", {6: ["00:00-06:00"]}, rules, window)
        assert hhmm(got) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]

    def test_spring_forward_slot_is_real_minutes(self) -> None:
        # A 60-minute slot at 01:30 EST ends at 03:30 EDT: 60 real minutes.
        rules = EventRules(minutes(60), step=minutes(30))
        window = (local("America/New_York", 2024, 3, 10), local("America/New_York", 2024, 3, 11))
        schedule = Schedule("America/New_York", {6: ["01:00-04:00"]})
        slots = compute_slots(
            schedule, [], rules, now=utc(2024, 1, 1), window_start=window[0], window_end=window[1]
        )
        shown = [
            (
                s.start.astimezone(schedule.tz).strftime("%H:%M"),
                s.end.astimezone(schedule.tz).strftime("%H:%M"),
            )
            for s in slots
        ]
        assert shown == [("01:00", "03:00"), ("01:30", "03:30"), ("03:00", "04:00")]

    def test_range_starting_in_the_gap_starts_at_the_jump(self) -> None:
        rules = EventRules(minutes(30))
        window = (utc(2024, 3, 10), utc(2024, 3, 11))
        got = local_starts("America/New_York", {6: ["02:15-04:00"]}, rules, window)
        # 02:15 and 02:45 do not exist; 03:15 is on the 02:15 grid.
        assert hhmm(got) == ["03:15"]

    def test_fall_back_fold_never_repeats_a_wall_time(self) -> None:
        # New York, Sunday 2024-11-03: 01:00-02:00 happens twice.
        rules = EventRules(minutes(30))
        window = (utc(2024, 11, 3), utc(2024, 11, 4))
        got = local_starts("America/New_York", {6: ["00:00-03:00"]}, rules, window)
        assert got == [
            "11-03 00:00-0400",
            "11-03 00:30-0400",
            "11-03 01:00-0400",  # first occurrence only (fold=0)
            "11-03 01:30-0400",
            "11-03 02:00-0500",
            "11-03 02:30-0500",
        ]

    def test_fall_back_slot_spans_the_repeated_hour(self) -> None:
        # The range 01:30-02:00 lasts 90 real minutes that day, so a 90-minute slot fits.
        rules = EventRules(minutes(90))
        got = local_starts(
            "America/New_York", {6: ["01:30-02:00"]}, rules, (utc(2024, 11, 3), utc(2024, 11, 4))
        )
        assert got == ["11-03 01:30-0400"]

    def test_lord_howe_half_hour_shift(self) -> None:
        # Australia/Lord_Howe, 2024-04-07: 02:00 (+11) goes back to 01:30 (+10:30).
        rules = EventRules(minutes(30))
        got = local_starts(
            "Australia/Lord_Howe",
            ALL_DAY,
            rules,
            (
                local("Australia/Lord_Howe", 2024, 4, 7, 0, 30),
                local("Australia/Lord_Howe", 2024, 4, 7, 3),
            ),
        )
        assert got == [
            "04-07 00:30+1100",
            "04-07 01:00+1100",
            "04-07 01:30+1100",
            "04-07 02:00+1030",
            "04-07 02:30+1030",
        ]

    def test_santiago_midnight_gap(self) -> None:
        # America/Santiago, 2024-09-08: 00:00 jumps to 01:00, so the day starts at 01:00.
        rules = EventRules(minutes(60))
        got = local_starts(
            "America/Santiago", ALL_DAY, rules, (utc(2024, 9, 8, 0), utc(2024, 9, 8, 8))
        )
        assert got[:5] == [
            "09-07 20:00-0400",
            "09-07 21:00-0400",
            "09-07 22:00-0400",
            "09-07 23:00-0400",
            "09-08 01:00-0300",
        ]

    def test_santiago_midnight_fold(self) -> None:
        # 2024-04-07 00:00 (-03) goes back to 04-06 23:00 (-04): 23:00 repeats.
        rules = EventRules(minutes(30))
        got = local_starts(
            "America/Santiago", ALL_DAY, rules, (utc(2024, 4, 7, 1, 30), utc(2024, 4, 7, 5))
        )
        assert got == [
            "04-06 22:30-0300",
            "04-06 23:00-0300",
            "04-06 23:30-0300",  # may end in the repeated hour; 23:00-0400 is not offered
            "04-07 00:00-0400",
            "04-07 00:30-0400",
        ]

    def test_kolkata_half_hour_offset(self) -> None:
        rules = EventRules(minutes(60))
        got = local_starts(
            "Asia/Kolkata", {0: ["09:00-12:00"]}, rules, (utc(2024, 1, 8), utc(2024, 1, 9))
        )
        assert got == ["01-08 09:00+0530", "01-08 10:00+0530", "01-08 11:00+0530"]
        schedule = Schedule("Asia/Kolkata", {0: ["09:00-10:00"]})
        [slot] = compute_slots(
            schedule,
            [],
            rules,
            now=utc(2024, 1, 1),
            window_start=utc(2024, 1, 8),
            window_end=utc(2024, 1, 9),
        )
        assert slot.start == utc(2024, 1, 8, 3, 30)

    def test_chatham_quarter_hour_offset(self) -> None:
        rules = EventRules(minutes(60))
        got = local_starts(
            "Pacific/Chatham", {0: ["09:00-10:00"]}, rules, (utc(2024, 1, 7), utc(2024, 1, 8))
        )
        assert got == ["01-08 09:00+1345"]

    def test_all_day_block_in_host_zone_on_a_dst_day(self) -> None:
        # An all-day Google event on 2024-03-10 blocks New York's whole (23-hour) day.
        event = {"start": {"date": "2024-03-10"}, "end": {"date": "2024-03-11"}}
        busy = classify_google_event(event, host_zone="America/New_York")
        assert busy is not None
        assert busy.end - busy.start == timedelta(hours=23)
        rules = EventRules(minutes(60))
        got = local_starts(
            "America/New_York", ALL_DAY, rules, (utc(2024, 3, 9, 12), utc(2024, 3, 12)), busy=[busy]
        )
        assert "03-09 23:00-0500" in got
        assert not any(s.startswith("03-10") for s in got)
        assert "03-11 00:00-0400" in got


class TestInputs:
    def test_unsorted_overlapping_blocks_from_several_sources(self) -> None:
        rules = EventRules(minutes(30))
        busy = [
            BusyBlock(utc(2024, 1, 8, 10, 15), utc(2024, 1, 8, 10, 45), "b"),
            BusyBlock(utc(2024, 1, 8, 9, 0), utc(2024, 1, 8, 9, 20), "a", tentative=True),
            BusyBlock(utc(2024, 1, 8, 10, 0), utc(2024, 1, 8, 10, 30), "a"),
            BusyBlock(utc(2024, 1, 8, 9, 10), utc(2024, 1, 8, 9, 15), "c"),
        ]
        got = local_starts(
            "UTC", {0: ["09:00-12:00"]}, rules, (utc(2024, 1, 8), utc(2024, 1, 9)), busy=busy
        )
        assert hhmm(got) == ["09:30", "11:00", "11:30"]

    def test_busy_block_in_another_zone_is_converted(self) -> None:
        paris = ZoneInfo("Europe/Paris")
        b = BusyBlock(
            datetime(2024, 1, 8, 10, tzinfo=paris), datetime(2024, 1, 8, 11, tzinfo=paris), "x"
        )
        assert b.start == utc(2024, 1, 8, 9)
        assert b.start.tzinfo is UTC

    def test_sub_second_block_edges_are_exact(self) -> None:
        rules = EventRules(minutes(30))
        tiny = timedelta(microseconds=1)
        busy = [block(utc(2024, 1, 8, 9) - minutes(30), utc(2024, 1, 8, 9) + tiny)]
        got = local_starts(
            "UTC", {0: ["09:00-10:00"]}, rules, (utc(2024, 1, 8), utc(2024, 1, 9)), busy=busy
        )
        assert hhmm(got) == ["09:30"]

    @pytest.mark.parametrize("field", ["now", "window_start", "window_end"])
    def test_naive_datetimes_are_refused(self, field: str) -> None:
        when = {
            "now": utc(2024, 1, 1),
            "window_start": utc(2024, 1, 8),
            "window_end": utc(2024, 1, 9),
        }
        when[field] = datetime(2024, 1, 8)
        with pytest.raises(InvalidInputError, match="aware"):
            compute_slots(Schedule("UTC", {}), [], EventRules(minutes(30)), **when)

    def test_naive_busy_block_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="aware"):
            BusyBlock(datetime(2024, 1, 8, 9), utc(2024, 1, 8, 10), "x")

    def test_reversed_busy_block_is_refused(self) -> None:
        with pytest.raises(InvalidInputError, match="ends before"):
            BusyBlock(utc(2024, 1, 8, 10), utc(2024, 1, 8, 9), "x")

    def test_naive_booking_is_refused(self) -> None:
        with pytest.raises(InvalidInputError):
            compute_slots(
                Schedule("UTC", {0: ["09:00-10:00"]}),
                [],
                EventRules(minutes(30)),
                now=utc(2024, 1, 1),
                window_start=utc(2024, 1, 8),
                window_end=utc(2024, 1, 9),
                existing_bookings=[(datetime(2024, 1, 8, 9), datetime(2024, 1, 8, 10))],
            )

    def test_overrides_replace_or_block_a_date(self) -> None:
        rules = EventRules(minutes(60))
        weekly = {d: ["09:00-11:00"] for d in range(7)}
        overrides = {date(2024, 1, 9): [(time(14), time(15))], date(2024, 1, 10): []}
        got = local_starts(
            "UTC", weekly, rules, (utc(2024, 1, 8), utc(2024, 1, 11)), overrides=overrides
        )
        assert got == ["01-08 09:00+0000", "01-08 10:00+0000", "01-09 14:00+0000"]

    def test_range_to_midnight(self) -> None:
        rules = EventRules(minutes(60))
        got = local_starts(
            "UTC", {0: [(time(22), time(0))]}, rules, (utc(2024, 1, 8), utc(2024, 1, 10))
        )
        assert hhmm(got) == ["22:00", "23:00"]


class TestGroupByLocalDate:
    def test_groups_in_viewer_zone_in_order(self) -> None:
        slots = [
            Slot(utc(2024, 1, 8, 23), utc(2024, 1, 8, 23, 30)),
            Slot(utc(2024, 1, 8, 9), utc(2024, 1, 8, 9, 30)),
            Slot(utc(2024, 1, 9, 9), utc(2024, 1, 9, 9, 30)),
        ]
        grouped = group_by_local_date(slots, "Asia/Tokyo")
        assert list(grouped) == [date(2024, 1, 8), date(2024, 1, 9)]
        assert grouped[date(2024, 1, 8)] == [slots[1]]
        assert grouped[date(2024, 1, 9)] == [slots[0], slots[2]]

    def test_unknown_zone(self) -> None:
        with pytest.raises(InvalidInputError, match="zone"):
            group_by_local_date([], "Mars/Olympus")
