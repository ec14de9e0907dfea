"""When an automatic sync is due: every N minutes, optionally only inside a time-of-day
range in the host's zone. Pure; the runner and the worker's round ask it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from integrations.sync.records import SettingsRecord

__all__ = ["due", "in_active_hours"]


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_active_hours(settings: SettingsRecord, now: datetime, zone: str) -> bool:
    """Inside the host's time-of-day range (always, when none is set). A range whose
    end is before its start runs over midnight (22:00-06:00)."""
    if settings.active_from is None or settings.active_until is None:
        return True
    local = now.astimezone(ZoneInfo(zone)).time()
    start, end = _clock(settings.active_from), _clock(settings.active_until)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def due(settings: SettingsRecord, last_started: datetime | None, now: datetime, zone: str) -> bool:
    """An automatic run of this account is due now."""
    if settings.mode == "off" or not settings.auto:
        return False
    if not in_active_hours(settings, now, zone):
        return False
    if last_started is None:
        return True
    return now - last_started >= timedelta(minutes=settings.every_minutes)
