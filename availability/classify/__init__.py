"""Busy or free: pure classifiers for provider payloads (DESIGN.md's table).

Each classifier takes one already-parsed payload (a JSON dict, or plain values for
iCalendar) and returns a :class:`~availability.busy.BusyBlock` or ``None`` (free).
They never do I/O and never import a provider library: integrations/ fetches and
parses, then calls these. Every classifier takes the calendar's "tentative blocks"
switch (``tentative_blocks``, default on) and a ``source`` label for the block, and
the event classifiers take ``host_zone`` to place all-day events. Private and
confidential events still block but carry no title. Malformed *required* fields
raise :class:`~availability.errors.MalformedEventError` (a ``ValueError``); unknown
optional fields are ignored.
"""

from availability.classify.google import (
    MARKER_EVENT_TYPES,
    Busyness,
    classify_google_event,
    google_busyness,
    google_event_span,
)
from availability.classify.icalendar import (
    FreeBusyPeriod,
    ICalEvent,
    classify_ical_event,
    classify_ical_freebusy,
)
from availability.classify.microsoft import classify_microsoft_event

__all__ = [
    "MARKER_EVENT_TYPES",
    "Busyness",
    "FreeBusyPeriod",
    "ICalEvent",
    "classify_google_event",
    "classify_ical_event",
    "classify_ical_freebusy",
    "classify_microsoft_event",
    "google_busyness",
    "google_event_span",
]
