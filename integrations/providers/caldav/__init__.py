"""CalDAV accounts (iCloud, Fastmail, Nextcloud, any RFC 4791 server): the ``caldav``
library over the SSRF-safe session of :func:`integrations.net.dav.dav_client`, its
events read with the iCalendar core (integrations.providers.ical)."""
