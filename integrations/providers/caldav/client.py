"""The CalDAV adapter: :class:`~integrations.calendars.provider.CalendarProvider` for
one account on one CalDAV server (user name + app password).

Discovery (RFC 6764 / RFC 4791): ``/.well-known/caldav`` when the host gave only the
server, then ``current-user-principal`` and ``calendar-home-set``; the calendars are
the collections of the home that hold events. Calendar ids are their absolute URLs.

Sync, per calendar:

- RFC 6578 ``sync-collection`` when the server has it, asking for each resource's
  etag and text (``calendar-data``): a full sync lists every resource and takes the
  new token in one REPORT; an incremental one asks what changed since the token
  and gets the changed resources' text in the same answer (an idle round is that
  one REPORT). We send the REPORT ourselves (through the caldav client, whose
  errors we keep) rather than the library's ``get_objects_by_sync_token``, which
  asks for etags only and would quietly fall back to re-reading the whole calendar
  on a rejected token; a rejected token (``DAV:valid-sync-token``) becomes
  :class:`SyncStateExpired`: the engine then runs a full sync, which replaces the
  blocks without duplicates.
- Servers without it: the collection's ``getctag`` (idle round: one PROPFIND) and,
  when it moved, every resource's etag, compared with the last sync's.

Changed resources whose text the listing did not bring (the ctag path, a server
that leaves ``calendar-data`` out, an answer over the size limit asked again
without it) are read with ``calendar-multiget`` in batches. Each is expanded in the
window by the iCalendar core (its fast read of one plain event first; RRULE, RDATE,
EXDATE, RECURRENCE-ID overrides, the VTIMEZONEs they carry, Windows and IANA TZIDs
otherwise). :mod:`.state` keeps which
occurrences each resource produced, so a changed or deleted resource replaces or
removes exactly those.

Every failure is a provider error (:mod:`.errors`); a failed sync raises before
anything is returned, so the engine keeps the last good busy blocks.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, TypeVar
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import icalendar
from caldav.collection import Calendar as DavCalendar
from caldav.davclient import DAVClient
from caldav.elements import cdav, dav, ical
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as dav_error

from integrations.accounts.errors import (
    AuthExpired,
    BadResponse,
    ProviderError,
    RateLimited,
    RemoteNotFound,
    SyncStateExpired,
    Unavailable,
    WriteRefused,
)
from integrations.calendars.provider import (
    ChangePage,
    EventFacts,
    PushChannel,
    RemoteCalendar,
    RemoteEvent,
    SyncWindow,
)
from integrations.net.dav import dav_client
from integrations.net.errors import ResponseTooLarge
from integrations.net.fetch import Limits
from integrations.net.guard import AddressPolicy
from integrations.net.pinning import Network
from integrations.net.urls import parse_url
from integrations.providers.caldav.errors import translate
from integrations.providers.caldav.state import DavState, Resource
from integrations.providers.ical.busy import event_facts
from integrations.providers.ical.events import occurrence_of, remote_event, unreadable_event
from integrations.providers.ical.expand import Unreadable, expand
from integrations.providers.ical.parse import parse_calendar
from integrations.providers.ical.plain import read_plain

__all__ = ["CalDavProvider", "StoredResource"]

T = TypeVar("T")

# caldav 3 types its methods as "result or coroutine" (one class serves its sync and
# async clients); with a sync client they return the result, so collections are
# handled as Any here.

#: Resources per calendar-multiget REPORT: a few hundred kilobytes per answer.
MULTIGET_BATCH: Final = 250
_CALENDAR: Final = "{urn:ietf:params:xml:ns:caldav}calendar"
_ETAG: Final = dav.GetEtag.tag
#: Answers to a sync-collection REPORT that mean "not supported here" (RFC 3253's
#: DAV:supported-report precondition, or the report refused as unknown).
_NO_SYNC_STATUSES: Final = frozenset({400, 405, 501})


@dataclass(frozen=True, slots=True)
class StoredResource:
    """One calendar object resource as the server holds it."""

    #: Its path, unquoted (the key of :class:`DavState`'s resources).
    href: str
    etag: str
    text: str


_RESPONSE: Final = "{DAV:}response"
_HREF: Final = "{DAV:}href"
_STATUS: Final = "{DAV:}status"
_PROPSTAT: Final = "{DAV:}propstat"
_PROP: Final = "{DAV:}prop"
_SYNC_TOKEN: Final = "{DAV:}sync-token"  # noqa: S105 (an element name)
_CALENDAR_DATA: Final = "{urn:ietf:params:xml:ns:caldav}calendar-data"
#: Pages of a truncated sync-collection answer followed up (RFC 6578 3.6).
_SYNC_PAGES: Final = 100


def _sync_body(token: str | None, *, with_data: bool) -> bytes:
    """A sync-collection REPORT (RFC 6578 3.2) for the etags, and the resources'
    text with ``with_data``."""
    data = "<C:calendar-data/>" if with_data else ""
    text = escape(token or "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f"<D:sync-token>{text}</D:sync-token><D:sync-level>1</D:sync-level>"
        f"<D:prop><D:getetag/>{data}</D:prop></D:sync-collection>"
    ).encode()


def _code(status: str | None) -> int | None:
    """The code of an ``HTTP/1.1 404 Not Found`` status line."""
    parts = (status or "").split(None, 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


@dataclass(slots=True)
class _Listing:
    """What a listing found: href -> etag of the changed resources, the text of
    those whose data came with it, the deleted hrefs, the new sync token."""

    etags: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    token: str = ""

    def absorb(self, tree: Any, base: str, own: str, server: str) -> bool:
        """Add one multistatus page; whether the server truncated it (a 507 for the
        collection itself). A later page wins over an earlier one, as in the caldav
        library; a member with a 404 and no etag was removed."""
        truncated = False
        for response in tree.iter(_RESPONSE):
            href = response.findtext(_HREF)
            if not href:
                raise BadResponse(
                    f"the CalDAV server {server} listed a resource without an address"
                )
            key = _key(urljoin(base, href.strip()))
            status = _code(response.findtext(_STATUS))
            if key.rstrip("/") == own:
                if status == 507:
                    truncated = True
                continue  # iCloud lists the calendar itself
            etag: str | None = None
            data: str | None = None
            for propstat in response.iterfind(_PROPSTAT):
                if _code(propstat.findtext(_STATUS)) != 200:
                    continue
                prop = propstat.find(_PROP)
                if prop is None:
                    continue
                found = prop.find(_ETAG)
                if found is not None and found.text:
                    etag = found.text
                text = prop.find(_CALENDAR_DATA)
                if text is not None and text.text:
                    data = text.text
            if etag is None and status == 404:
                self.deleted.add(key)
                self.etags.pop(key, None)
                self.bodies.pop(key, None)
                continue
            self.deleted.discard(key)
            self.etags[key] = etag or ""
            if data is not None:
                self.bodies[key] = data
            else:
                self.bodies.pop(key, None)
        return truncated


class GetCtag(ValuedBaseElement):
    """calendarserver.org's collection tag: changes whenever a member changes."""

    tag = "{http://calendarserver.org/ns/}getctag"


def _key(url: object) -> str:
    """A resource's identity across answers: its path, unquoted (servers differ in
    what they percent-encode, ``@`` in UIDs above all)."""
    return unquote(urlsplit(str(url)).path)


def _text(element: Any) -> str:
    if element is None:
        return ""
    text = "".join(element.itertext()) if hasattr(element, "itertext") else str(element)
    return text.strip()


def _colour(value: str) -> str:
    # Apple's calendar-color is #RRGGBB or #RRGGBBAA; the API keeps #RRGGBB.
    text = value.strip()
    if len(text) in (7, 9) and text.startswith("#"):
        try:
            int(text[1:], 16)
        except ValueError:
            return ""
        return text[:7].lower()
    return ""


def _zone(vtimezone: str) -> str:
    """The TZID of a calendar-timezone property, when it names a zone we know."""
    try:
        calendar = icalendar.Calendar.from_ical(vtimezone)
        for zone in calendar.walk("VTIMEZONE"):
            tzid = str(zone.get("TZID", "")).strip()
            if tzid:
                ZoneInfo(tzid)
                return tzid
    except Exception:  # a calendar's decoration only: any failure means "unknown"
        return "UTC"
    return "UTC"


def _supports_events(components: Any) -> bool:
    """``components``: the component names of supported-calendar-component-set."""
    if not isinstance(components, list):
        return True  # RFC 4791 5.2.3: absent means every component type
    names = {str(name).upper() for name in components}
    return not names or "VEVENT" in names


class CalDavProvider:
    name = "caldav"

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        policy: AddressPolicy,
        *,
        limits: Limits | None = None,
        network: Network | None = None,
        auth_type: str | None = None,
    ) -> None:
        """Raises :class:`~integrations.net.errors.InvalidUrl` for an address that is
        not http(s). ``auth_type`` ("basic", "digest"): what :attr:`auth_type` said
        after an earlier discovery; without it the first request of each client is
        answered 401 to learn it, one more request every sync."""
        self.url = str(parse_url(url))
        #: What the host is shown of the server (the user name stays out of errors).
        self.server = parse_url(url).host
        self.username = username
        self._limits = limits or Limits()

        options = {"auth_type": auth_type} if auth_type in ("basic", "digest") else {}

        def client(address: str) -> DAVClient:
            return dav_client(
                address,
                policy,
                username=username,
                password=password,
                limits=self._limits,
                network=network,
                **options,
            )

        self._new_client = client
        self._client = client(self.url)

    @property
    def max_bytes(self) -> int:
        """The largest answer read (a resource, a REPORT)."""
        return self._limits.max_bytes

    @property
    def auth_type(self) -> str | None:
        """The scheme the server asked for ("basic", "digest"), once it asked."""
        name = type(self._client.auth).__name__ if self._client.auth is not None else ""
        return {"HTTPBasicAuth": "basic", "HTTPDigestAuth": "digest"}.get(name)

    # -- plumbing -------------------------------------------------------------------------

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except ProviderError:
            raise
        # The library boundary: anything a strange server makes it raise becomes one
        # of our errors (errors.translate says which).
        except Exception as exc:
            raise translate(exc, self.server) from None

    def _calendar(self, calendar_id: str) -> Any:
        address = str(self._client.url.join(calendar_id))
        if urlsplit(address).scheme not in ("http", "https"):
            raise RemoteNotFound(f"no calendar {calendar_id!r} on {self.server}")
        return DavCalendar(client=self._client, url=address)

    # -- discovery -------------------------------------------------------------------------

    def _candidates(self) -> list[str]:
        parts = urlsplit(self.url)
        well_known = f"{parts.scheme}://{parts.netloc}/.well-known/caldav"
        # RFC 6764 5: given only the server, start at its well-known address.
        if parts.path in ("", "/"):
            return [well_known, self.url]
        return [self.url, well_known]

    def discover(self) -> str:
        """The calendar home's URL. Raises :class:`AuthExpired` for a wrong password."""
        failure: ProviderError | None = None
        for address in self._candidates():
            client = self._new_client(address)

            def home_of(c: Any = client) -> Any:
                return c.principal().calendar_home_set

            try:
                home = self._call(home_of)
            except (AuthExpired, RateLimited, Unavailable):
                raise  # the server is there and said so: the next address is no better
            except ProviderError as exc:
                failure = exc
                continue
            self._client = client
            return str(home.url)
        reason = f" ({failure.detail})" if failure is not None else ""
        raise ProviderError(
            f"no CalDAV account was found at this address on {self.server}{reason}; "
            "use the CalDAV address your provider documents"
        )

    def list_calendars(self) -> list[RemoteCalendar]:
        home_url = self.discover()
        props = [
            dav.ResourceType(),
            dav.DisplayName(),
            ical.CalendarColor(),
            cdav.SupportedCalendarComponentSet(),
            cdav.CalendarTimeZone(),
        ]
        home: Any = DavCalendar(client=self._client, url=home_url)

        def read() -> dict[str, dict[str, Any]]:
            answer = home.get_properties(props, depth=1, parse_response_xml=False)
            # Parsed values: resource types and components as lists of names, the rest
            # as text (caldav's PropfindResult).
            return {r.href: r.properties for r in answer.parse_propfind()}

        found = self._call(read)
        calendars: list[RemoteCalendar] = []
        for href, values in sorted(found.items()):
            kinds = values.get(dav.ResourceType.tag)
            if not isinstance(kinds, list) or _CALENDAR not in kinds:
                continue
            if not _supports_events(values.get(cdav.SupportedCalendarComponentSet.tag)):
                continue  # a task list
            address = str(self._client.url.join(home_url).join(href))
            path = _key(address).rstrip("/")
            calendars.append(
                RemoteCalendar(
                    remote_id=address,
                    name=_text(values.get(dav.DisplayName.tag)) or path.rsplit("/", 1)[-1],
                    primary=False,
                    colour=_colour(_text(values.get(ical.CalendarColor.tag))),
                    time_zone=_zone(_text(values.get(cdav.CalendarTimeZone.tag))),
                    writable=True,
                )
            )
        if calendars:
            # CalDAV has no "primary" calendar: the first in the home (by address)
            # is the one connecting marks as a conflict calendar; the host picks more.
            first = calendars[0]
            calendars[0] = RemoteCalendar(
                first.remote_id, first.name, True, first.colour, first.time_zone, True
            )
        return calendars

    # -- reading ---------------------------------------------------------------------------

    def changes(
        self,
        calendar_id: str,
        *,
        sync_state: str | None,
        window: SyncWindow,
        page: str | None = None,
    ) -> ChangePage:
        calendar = self._calendar(calendar_id)
        previous = DavState.decode(sync_state) if sync_state is not None else None
        state, listing = self._changed(calendar_id, previous, with_data=True)
        changed, deleted = listing.etags, listing.deleted
        old = previous.resources if previous is not None else {}
        resources = {h: r for h, r in old.items() if h not in deleted}
        events: list[RemoteEvent] = []
        for href in deleted:
            gone = old.get(href)
            if gone is not None:
                events += [RemoteEvent(remote_id=i, deleted=True) for i in gone.occurrences]
        # What the listing brought (sync-collection with calendar-data), then what
        # it did not (a server that leaves the data out, the ctag fallback) by multiget.
        arrived = [
            (h, e, listing.bodies[h]) for h, e in sorted(changed.items()) if h in listing.bodies
        ]
        missing = [h for h in changed if h not in listing.bodies]
        for href, etag, body in itertools.chain(arrived, self._load(calendar, missing)):
            produced = self._read(href, body, window)
            ids = tuple(e.remote_id for e in produced)
            if href in old:
                events += [
                    RemoteEvent(remote_id=i, deleted=True)
                    for i in old[href].occurrences
                    if i not in ids
                ]
            events += produced
            resources[href] = Resource(etag, ids)
        for href in changed.keys() - resources.keys():
            # Listed as changed, gone before we read it: deleted meanwhile.
            if href in old:
                events += [RemoteEvent(remote_id=i, deleted=True) for i in old[href].occurrences]
        final = DavState(state.mode, state.token, state.ctag, resources)
        return ChangePage(events=events, next_page=None, sync_state=final.encode())

    def resource_changes(
        self, calendar_id: str, previous: DavState | None
    ) -> tuple[DavState, dict[str, str], set[str]]:
        """The resources (href -> etag) changed and the hrefs deleted since ``previous``
        (None: every resource), and the new state without its ``resources``. A
        resource whose etag ``previous`` already holds is not among the changed: our
        own write coming back, or one touched twice, needs no reading."""
        state, listing = self._changed(calendar_id, previous, with_data=False)
        return state, listing.etags, listing.deleted

    def _changed(
        self, calendar_id: str, previous: DavState | None, *, with_data: bool
    ) -> tuple[DavState, _Listing]:
        calendar = self._calendar(calendar_id)
        if previous is None:
            state, listing = self._list_all(calendar, with_data=with_data)
        elif previous.mode == "sync":
            state, listing = self._sync_collection(calendar, previous, with_data=with_data)
        else:
            state, listing = self._poll(calendar, previous)
        old = previous.resources if previous is not None else {}
        listing.etags = {h: e for h, e in listing.etags.items() if h not in old or old[h].etag != e}
        return state, listing

    def load_resources(self, calendar_id: str, hrefs: Iterable[str]) -> Iterator[StoredResource]:
        """Each resource of ``hrefs`` still there, read in calendar-multiget batches."""
        for href, etag, text in self._load(self._calendar(calendar_id), hrefs):
            yield StoredResource(href, etag, text)

    def _list_all(self, calendar: Any, *, with_data: bool = False) -> tuple[DavState, _Listing]:
        """Every resource: by sync-collection, or by etag listing where it is missing."""
        try:
            listing = self._sync_report(calendar, None, with_data=with_data)
        except dav_error.DAVError as exc:
            if not _lacks_sync_collection(exc):
                raise translate(exc, self.server, forbidden_is_missing=True) from None
            ctag = self._ctag(calendar)
            return DavState("ctag", ctag=ctag), _Listing(self._etags(calendar))
        except Exception as exc:
            raise translate(exc, self.server) from None
        return DavState("sync", token=listing.token), listing

    def _sync_collection(
        self, calendar: Any, previous: DavState, *, with_data: bool = False
    ) -> tuple[DavState, _Listing]:
        try:
            listing = self._sync_report(calendar, previous.token, with_data=with_data)
        except dav_error.DAVError as exc:
            if _lacks_sync_collection(exc):
                raise SyncStateExpired(
                    f"the CalDAV server {self.server} no longer offers sync-collection"
                ) from None
            raise translate(exc, self.server, forbidden_is_missing=True) from None
        except Exception as exc:
            raise translate(exc, self.server) from None
        return DavState("sync", token=listing.token), listing

    def _sync_report(self, calendar: Any, token: str | None, *, with_data: bool) -> _Listing:
        """One RFC 6578 sync-collection round (the pages of a truncated answer
        followed up with their token, as the caldav library does), read with lxml.

        ``with_data``: ask for ``C:calendar-data`` too, so that the changed resources
        arrive in the same answer (a full sync is then one request, no multiget); a
        server that leaves it out gets them multigot. An answer over the size limit
        is asked again without it (a calendar too large for one answer is listed,
        then read in batches)."""
        if with_data:
            try:
                return self._sync_pages(calendar, token, with_data=True)
            except ResponseTooLarge:
                pass
        return self._sync_pages(calendar, token, with_data=False)

    def _sync_pages(self, calendar: Any, token: str | None, *, with_data: bool) -> _Listing:
        own = _key(calendar.url).rstrip("/")
        base = str(calendar.url)
        listing = _Listing()
        asked = token
        for _page in range(_SYNC_PAGES):
            body = _sync_body(asked, with_data=with_data)
            answer = calendar._query(body, 1, "report")
            tree = answer.tree
            if tree is None:
                raise BadResponse(
                    f"the CalDAV server {self.server} answered its sync-collection REPORT "
                    "with something that is not XML"
                )
            truncated = listing.absorb(tree, base, own, self.server)
            found = tree.findtext(f".//{_SYNC_TOKEN}")
            listing.token = (found or "").strip()
            if not truncated or not listing.token or listing.token == asked:
                return listing
            asked = listing.token
        return listing

    def _poll(self, calendar: Any, previous: DavState) -> tuple[DavState, _Listing]:
        ctag = self._ctag(calendar) if previous.ctag is not None else None
        if ctag is not None and ctag == previous.ctag:
            return DavState("ctag", ctag=ctag), _Listing()  # idle: one PROPFIND
        etags = self._etags(calendar)
        deleted = previous.resources.keys() - etags.keys()
        return DavState("ctag", ctag=ctag), _Listing(etags, deleted=set(deleted))

    def _ctag(self, calendar: Any) -> str | None:
        values = self._call(lambda: calendar.get_properties([GetCtag()]))
        value = values.get(GetCtag.tag) if isinstance(values, dict) else None
        return str(value) if value else None

    def _etags(self, calendar: Any) -> dict[str, str]:
        def read() -> dict[str, dict[str, str]]:
            answer = calendar.get_properties([dav.GetEtag()], depth=1, parse_response_xml=False)
            found: dict[str, dict[str, str]] = answer.expand_simple_props([dav.GetEtag()])
            return found

        own = _key(calendar.url).rstrip("/")
        return {
            _key(calendar.url.join(href)): str(props[_ETAG])
            for href, props in self._call(read).items()
            if props.get(_ETAG) and _key(calendar.url.join(href)).rstrip("/") != own
        }

    def _load(self, calendar: Any, hrefs: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(href, etag, iCalendar text) of each resource, in calendar-multiget batches;
        a resource deleted meanwhile is simply absent.

        The next batch is fetched in a second thread while the caller parses this one:
        the server works in its own process, so its time and ours overlap (one
        request in flight at a time, as before)."""
        wanted = sorted(hrefs)
        batches = [wanted[n : n + MULTIGET_BATCH] for n in range(0, len(wanted), MULTIGET_BATCH)]
        if not batches:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caldav-multiget") as pool:
            pending = pool.submit(self._multiget, calendar, batches[0])
            for following in [*batches[1:], None]:
                found = pending.result()
                if following is not None:
                    pending = pool.submit(self._multiget, calendar, following)
                yield from found

    def _multiget(self, calendar: Any, hrefs: list[str]) -> list[tuple[str, str, str]]:
        urls = [calendar.url.join(h) for h in hrefs]
        found = self._call(lambda: calendar.multiget(urls))
        loaded: list[tuple[str, str, str]] = []
        for resource in found:
            data = resource.data
            if data is None:
                continue
            etag = str(resource.props.get(_ETAG, "")) if resource.props else ""
            loaded.append((_key(resource.url), etag, str(data)))
        return loaded

    def _read(self, href: str, body: str, window: SyncWindow) -> list[RemoteEvent]:
        """A resource's occurrences in the window; one that cannot be read is named
        (by its href) among the unreadable events and costs nothing else."""
        # Most resources are one plain event: read without building the whole
        # iCalendar tree (the same result; anything else takes the general path).
        expansion = read_plain(body, window, max_bytes=self._limits.max_bytes)
        if expansion is None:
            try:
                parsed = parse_calendar(body.encode("utf-8"), max_bytes=self._limits.max_bytes)
            except BadResponse as exc:
                return [unreadable_event(Unreadable(href, exc.detail))]
            expansion = expand(parsed.calendar, window)
        return [remote_event(o) for o in expansion.occurrences] + [
            unreadable_event(u) for u in expansion.unreadable
        ]

    def facts(self, event: RemoteEvent, *, host_zone: str) -> EventFacts | None:
        return event_facts(occurrence_of(event), host_zone=host_zone)

    # -- writing ---------------------------------------------------------------------------

    def _request(
        self, url: str, method: str, body: str = "", headers: Mapping[str, str] | None = None
    ) -> Any:
        answer = self._call(lambda: self._client.request(url, method, body, dict(headers or {})))
        if answer.status >= 400:
            raise translate(
                dav_error.DAVError(url=url, reason=f"HTTP {answer.status}", status=answer.status),
                self.server,
            )
        return answer

    def _current_etag(self, url: str) -> str:
        values = self._call(lambda: DavCalendar(client=self._client, url=url).get_properties(
            [dav.GetEtag()]
        ))  # fmt: skip
        etag = values.get(_ETAG) if isinstance(values, dict) else None
        if not etag:
            raise BadResponse(f"the CalDAV server {self.server} gave the event no etag")
        return str(etag)

    def _write(
        self, calendar_id: str, uid: str, event: Mapping[str, Any], condition: dict[str, str]
    ) -> RemoteEvent:
        url = str(self._calendar(calendar_id).url.join(uid + ".ics"))
        headers = {"Content-Type": "text/calendar; charset=utf-8", **condition}
        answer = self._request(url, "PUT", _to_ical(uid, event), headers)
        etag = answer.headers.get("ETag") or self._current_etag(url)
        return RemoteEvent(remote_id=uid, deleted=False, etag=str(etag), ical_uid=uid)

    def create_event(
        self, calendar_id: str, event: Mapping[str, Any], *, event_id: str | None = None
    ) -> RemoteEvent:
        uid = event_id or uuid.uuid4().hex
        return self._write(calendar_id, uid, event, {"If-None-Match": "*"})

    def update_event(
        self, calendar_id: str, event_id: str, event: Mapping[str, Any], *, etag: str | None
    ) -> RemoteEvent:
        url = str(self._calendar(calendar_id).url.join(event_id + ".ics"))
        # Without an etag, still never create: the event must exist (404 otherwise).
        condition = etag or self._current_etag(url)
        return self._write(calendar_id, event_id, event, {"If-Match": condition})

    def delete_event(self, calendar_id: str, event_id: str, *, etag: str | None) -> None:
        url = str(self._calendar(calendar_id).url.join(event_id + ".ics"))
        self._request(url, "DELETE", "", {"If-Match": etag} if etag else {})

    # -- whole resources (the linked calendar reads and writes them) -----------------------

    def resource_url(self, calendar_id: str, name: str) -> str:
        """The absolute address of the resource ``name`` (a file name, or an href)."""
        return str(self._calendar(calendar_id).url.join(name))

    def read_resource(self, url: str) -> StoredResource | None:
        """The resource's text and etag; None when there is none (404, 410)."""
        answer = self._call(lambda: self._client.request(url, "GET", "", {}))
        if answer.status in (404, 410):
            return None
        if answer.status >= 400:
            raise translate(
                dav_error.DAVError(url=url, reason=f"HTTP {answer.status}", status=answer.status),
                self.server,
            )
        etag = answer.headers.get("ETag") or self._current_etag(url)
        return StoredResource(_key(url), str(etag), str(answer.raw))

    def find_resource(self, calendar_id: str, uid: str) -> StoredResource | None:
        """The resource holding ``uid`` wherever the app that made it named it (a
        calendar-query by UID); None when the calendar has none."""
        calendar = self._calendar(calendar_id)
        try:
            found = calendar.get_object_by_uid(uid)
        except dav_error.NotFoundError:
            return None
        except Exception as exc:
            raise translate(exc, self.server) from None
        return self.read_resource(str(found.url))

    def put_resource(self, url: str, text: str, *, etag: str | None) -> str | None:
        """Store ``text`` at ``url``: over the version ``etag`` (``If-Match``), or, with
        None, only where nothing is (``If-None-Match: *``). The new etag when the
        server answered one (RFC 4791 5.3.4: it stored the text unchanged), else None.

        Raises :class:`PreconditionFailed` when the condition fails and
        :class:`WriteRefused` for a calendar this account may not write (403)."""
        condition = {"If-Match": etag} if etag is not None else {"If-None-Match": "*"}
        headers = {"Content-Type": "text/calendar; charset=utf-8", **condition}
        answer = self._writing(lambda: self._request(url, "PUT", text, headers))
        found = answer.headers.get("ETag")
        return str(found) if found else None

    def delete_resource(self, url: str, *, etag: str | None) -> None:
        """Delete the resource (of version ``etag`` when given); one already gone is
        no error."""
        try:
            self._writing(
                lambda: self._request(url, "DELETE", "", {"If-Match": etag} if etag else {})
            )
        except RemoteNotFound:
            return

    def _writing(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except ProviderError as exc:
            if exc.http_status == 403 and not isinstance(exc, SyncStateExpired):
                raise WriteRefused(
                    f"the CalDAV server {self.server} does not let this account change "
                    "the calendar (HTTP 403): it may be shared read-only",
                    http_status=403,
                ) from None
            raise

    # -- push: none; CalDAV calendars are polled ---------------------------------------

    def watch(
        self,
        calendar_id: str,
        *,
        channel_id: str,
        address: str,
        token: str,
        expires_at: datetime,
    ) -> PushChannel:
        raise ProviderError("CalDAV servers send no change notifications; they are polled")

    def stop_watch(self, channel: PushChannel) -> None:
        return None


def _lacks_sync_collection(exc: dav_error.DAVError) -> bool:
    if dav.ValidSyncToken.tag in exc.preconditions:
        return False
    if dav.SupportedReport.tag in exc.preconditions:
        return True
    return exc.status in _NO_SYNC_STATUSES


def _when(value: Mapping[str, Any]) -> date | datetime:
    if "dateTime" in value:
        return datetime.fromisoformat(str(value["dateTime"]))
    return date.fromisoformat(str(value["date"]))


def _to_ical(uid: str, event: Mapping[str, Any]) -> str:
    """The provider-neutral event body (Google's shape: summary, start, end) as one
    VEVENT."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", "-//Rendezvous//CalDAV//EN")
    calendar.add("VERSION", "2.0")
    vevent = icalendar.Event()
    vevent.add("UID", uid)
    vevent.add("DTSTAMP", datetime.now().astimezone())
    vevent.add("SUMMARY", str(event.get("summary", "")))
    vevent.add("DTSTART", _when(event["start"]))
    vevent.add("DTEND", _when(event["end"]))
    calendar.add_component(vevent)
    text: str = calendar.to_ical().decode("utf-8")
    return text
