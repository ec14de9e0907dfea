"""The iCalendar core shared by the feed (ICS) and CalDAV adapters: pure, no I/O.

- :mod:`.parse`: bytes -> a checked VCALENDAR (size limit, syntax, ``X-WR-TIMEZONE``
  repaired), with the calendar's own name and zone.
- :mod:`.expand`: the calendar -> :class:`.Occurrence` values inside a sync window
  (recurrence expanded, VFREEBUSY periods read), each bad event reported on its own.
- :mod:`.busy`: one occurrence -> what the busy-block store keeps
  (:class:`~integrations.calendars.provider.EventFacts`), by DESIGN.md's table.
"""
