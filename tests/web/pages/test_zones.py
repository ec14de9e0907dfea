"""The zone pickers' labels: a friendly name and the offset of the day they are shown."""

from __future__ import annotations

from datetime import UTC, datetime

from web.pages.zones import resolve_zone, zone_choices, zone_label

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


def test_labels_name_the_clock_and_the_offset_of_the_day() -> None:
    assert zone_label("America/New_York", WINTER) == "Eastern Time - New York (UTC-05:00)"
    assert zone_label("America/New_York", SUMMER) == "Eastern Time - New York (UTC-04:00)"
    assert zone_label("Asia/Kolkata", WINTER) == "India Time - Kolkata (UTC+05:30)"
    assert zone_label("Asia/Jerusalem", WINTER) == "Israel Time - Jerusalem (UTC+02:00)"
    assert zone_label("Europe/Dublin", SUMMER) == "Irish Time - Dublin (UTC+01:00)"
    assert zone_label("Asia/Shanghai", WINTER) == "China Time - Shanghai (UTC+08:00)"
    assert zone_label("America/Chicago", WINTER) == "Central Time - Chicago (UTC-06:00)"
    # No unambiguous abbreviation: the region names it.
    assert zone_label("America/Argentina/Buenos_Aires", WINTER) == (
        "America - Argentina - Buenos Aires (UTC-03:00)"
    )
    assert zone_label("UTC", WINTER) == "UTC (UTC+00:00)"


def test_the_list_holds_every_zone_of_the_booking_page_once() -> None:
    zones = [choice.zone for choice in zone_choices(WINTER)]
    assert len(zones) == len(set(zones)) > 300
    assert zones[0] == "UTC"
    assert "US/Eastern" not in zones  # legacy aliases only lengthen the list


def test_a_typed_city_resolves_only_when_it_names_one_zone() -> None:
    assert resolve_zone("new york", WINTER) == "America/New_York"
    assert resolve_zone("Kolkata", WINTER) == "Asia/Kolkata"
    assert resolve_zone("Eastern Time", WINTER) is None  # many zones
    assert resolve_zone("", WINTER) is None
