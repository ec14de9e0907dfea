"""Fetching URLs that users supply (CalDAV servers, ICS feeds, later webhooks)
without letting them reach this server's own networks (SSRF).

- :mod:`.urls`: what a URL may look like (http/https, no credentials, ports).
- :mod:`.guard`: which addresses may be dialled (pure, IANA-based).
- :mod:`.pinning`: one DNS resolution per name, every answer checked, only those dialled.
- :mod:`.fetch`: :class:`Fetcher`, a GET with redirects, time and size limits and
  conditional requests (ICS feeds).
- :mod:`.dav`: a pinned niquests session for the ``caldav`` library.
- :mod:`.errors`: what goes wrong, typed.

docs/security.md ("User-supplied URLs") describes the rules.
"""
