"""Connected accounts: one model of a host's account at any provider (Google,
Microsoft, CalDAV, ICS, Zoom; for calendars or video), its OAuth client
(:mod:`.oauth`), the refresh that holds across processes (:mod:`.refresh`), the
reconnect flow (:mod:`.reconnect`, :mod:`.service`) and the errors every provider
adapter raises (:mod:`.errors`). See docs/architecture.md, "Connected accounts".
"""
