"""Rendezvous availability engine: working hours, rules and busy blocks -> slots.

Pure and dependency-free (stdlib only, no I/O, no ORM); every datetime in and out is
timezone-aware, output in UTC. Modules:

* :mod:`availability.hours` - :class:`Schedule` (weekly hours, date overrides, IANA
  zone) and how wall-clock bounds become instants across DST;
* :mod:`availability.rules` - :class:`EventRules` (duration, step, alignment,
  buffers, notice, horizon, daily/weekly limits);
* :mod:`availability.busy` - :class:`BusyBlock` and the merge;
* :mod:`availability.slots` - :func:`compute_slots`, :func:`group_by_local_date`;
* :mod:`availability.teams` - :func:`collective_slots`, :func:`round_robin_slots`;
* :mod:`availability.explain` - :func:`explain` and its typed reasons (hosts only);
* :mod:`availability.classify` - busy/free classifiers for Google, Microsoft Graph
  and iCalendar payloads.

A host in New York, free 09:00-12:00 on weekdays, with one busy block and a
30-minute event type that needs a 15-minute buffer after each meeting:

>>> from datetime import datetime, timedelta, UTC
>>> from availability import BusyBlock, EventRules, Schedule, compute_slots
>>> schedule = Schedule("America/New_York", {d: ["09:00-12:00"] for d in range(5)})
>>> rules = EventRules(duration=timedelta(minutes=30), buffer_after=timedelta(minutes=15))
>>> busy = [BusyBlock(datetime(2024, 3, 11, 14, 0, tzinfo=UTC),
...                   datetime(2024, 3, 11, 15, 0, tzinfo=UTC), "google:work")]
>>> slots = compute_slots(schedule, busy, rules,
...                       now=datetime(2024, 3, 1, tzinfo=UTC),
...                       window_start=datetime(2024, 3, 11, tzinfo=UTC),
...                       window_end=datetime(2024, 3, 12, tzinfo=UTC))
>>> [s.start.astimezone(schedule.tz).strftime("%H:%M") for s in slots]
['09:00', '11:00', '11:30']

09:30 is gone because its buffer runs into the 10:00 meeting (14:00 UTC, the day
after the spring-forward change).
"""

from availability.busy import BusyBlock, merge_busy
from availability.classify import (
    FreeBusyPeriod,
    ICalEvent,
    classify_google_event,
    classify_ical_event,
    classify_ical_freebusy,
    classify_microsoft_event,
)
from availability.errors import InvalidInputError, MalformedEventError
from availability.explain import (
    BusyConflict,
    DailyLimitReached,
    NotASlotStart,
    OutsideHorizon,
    OutsideWorkingHours,
    Reason,
    TooSoon,
    WeeklyLimitReached,
    explain,
)
from availability.hours import Schedule, TimeRange, working_intervals
from availability.rules import EventRules
from availability.slots import HostedSlot, Slot, compute_slots, group_by_local_date
from availability.teams import TeamMember, collective_slots, round_robin_slots

__all__ = [
    "BusyBlock",
    "BusyConflict",
    "DailyLimitReached",
    "EventRules",
    "FreeBusyPeriod",
    "HostedSlot",
    "ICalEvent",
    "InvalidInputError",
    "MalformedEventError",
    "NotASlotStart",
    "OutsideHorizon",
    "OutsideWorkingHours",
    "Reason",
    "Schedule",
    "Slot",
    "TeamMember",
    "TimeRange",
    "TooSoon",
    "WeeklyLimitReached",
    "classify_google_event",
    "classify_ical_event",
    "classify_ical_freebusy",
    "classify_microsoft_event",
    "collective_slots",
    "compute_slots",
    "explain",
    "group_by_local_date",
    "merge_busy",
    "round_robin_slots",
    "working_intervals",
]
