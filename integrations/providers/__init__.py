"""One package per remote system (Google, Zoom; Microsoft, CalDAV and ICS next): its
client, its response parsing and its OAuth quirks. Provider-neutral rules live in
``integrations.accounts``, ``integrations.calendars`` and ``integrations.video``."""
