"""Time zone choices for the zone pickers: every IANA zone of the booking page's list,
labelled with a friendly name and its current UTC offset, e.g.
"Eastern Time - New York (UTC-05:00)", so typing "eastern", "new york" or "-05" finds it.

There is no CLDR here (no babel), so the generic names come from the zone's own
abbreviation, for the abbreviations that name one clock unambiguously; other zones
read "America - Argentina - Buenos Aires (UTC-03:00)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from web.pages.booking import zone_groups

# Abbreviation (standard or daylight) -> the clock's generic name. Keyed by region too
# where an abbreviation means different clocks (CST: US Central or China; IST: India,
# Israel or Ireland).
_NAMES = {
    "EST": "Eastern Time", "EDT": "Eastern Time", "CST": "Central Time", "CDT": "Central Time",
    "MST": "Mountain Time", "MDT": "Mountain Time", "PST": "Pacific Time", "PDT": "Pacific Time",
    "AKST": "Alaska Time", "AKDT": "Alaska Time", "HST": "Hawaii Time", "HDT": "Hawaii Time",
    "AST": "Atlantic Time", "ADT": "Atlantic Time", "NST": "Newfoundland Time",
    "NDT": "Newfoundland Time", "GMT": "Greenwich Mean Time", "BST": "British Time",
    "WET": "Western European Time", "WEST": "Western European Time",
    "CET": "Central European Time", "CEST": "Central European Time",
    "EET": "Eastern European Time", "EEST": "Eastern European Time", "MSK": "Moscow Time",
    "SAST": "South Africa Time", "WAT": "West Africa Time", "CAT": "Central Africa Time",
    "EAT": "East Africa Time", "PKT": "Pakistan Time", "HKT": "Hong Kong Time",
    "JST": "Japan Time", "KST": "Korean Time", "WIB": "Western Indonesia Time",
    "WITA": "Central Indonesia Time", "WIT": "Eastern Indonesia Time", "PHT": "Philippine Time",
    "AEST": "Australian Eastern Time", "AEDT": "Australian Eastern Time",
    "ACST": "Australian Central Time", "ACDT": "Australian Central Time",
    "AWST": "Australian Western Time", "NZST": "New Zealand Time", "NZDT": "New Zealand Time",
    "ChST": "Chamorro Time", "SST": "Samoa Time",
}  # fmt: skip
_REGIONAL = {("Asia", "CST"): "China Time", ("Asia", "IST"): "India Time"}
# Zones whose abbreviation changes meaning through the year (Dublin: GMT/IST, London:
# GMT/BST) or is shared with another clock (Jerusalem: IST/IDT).
_ZONES = {
    "Asia/Jerusalem": "Israel Time", "Asia/Tel_Aviv": "Israel Time",
    "Europe/Dublin": "Irish Time", "Europe/London": "British Time",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    #: The IANA name the form sends.
    zone: str
    #: What the picker shows and searches.
    label: str


def offset_text(zone: ZoneInfo, now: datetime) -> str:
    """``UTC+05:30`` style: the zone's offset at ``now``."""
    offset = now.astimezone(zone).utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone_label(name: str, now: datetime) -> str:
    """ "Eastern Time - New York (UTC-05:00)" for ``America/New_York`` at ``now``."""
    zone = ZoneInfo(name)
    region, _, rest = name.partition("/")
    place = rest.replace("_", " ").replace("/", " - ") or name
    abbreviation = now.astimezone(zone).tzname() or ""
    generic = _ZONES.get(name) or _REGIONAL.get((region, abbreviation)) or _NAMES.get(abbreviation)
    prefix = f"{generic} - " if generic else (f"{region} - " if rest else "")
    return f"{prefix}{place} ({offset_text(zone, now)})"


@cache
def _zones() -> tuple[str, ...]:
    return ("UTC", *(zone for _, zones in zone_groups() for zone in zones))


def zone_choices(now: datetime) -> list[ZoneChoice]:
    """Every zone of the picker, labelled with its offset at ``now``."""
    return [ZoneChoice(zone, zone_label(zone, now)) for zone in _zones()]


def resolve_zone(typed: str, now: datetime) -> str | None:
    """The one zone whose IANA name or label holds ``typed`` ("new york", "Tokyo"), for
    a picker left with a city typed instead of a choice; None when none or several do."""
    needle = typed.strip().casefold().replace("_", " ")
    if not needle:
        return None
    found = [
        choice.zone
        for choice in zone_choices(now)
        if needle in choice.label.casefold() or needle in choice.zone.casefold().replace("_", " ")
    ]
    return found[0] if len(found) == 1 else None
