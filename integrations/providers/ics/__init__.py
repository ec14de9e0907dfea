"""ICS feeds (a calendar published at a secret URL, read-only): fetched through the
SSRF-safe fetcher (integrations.net), read with the iCalendar core
(integrations.providers.ical)."""
