"""Graph event JSON <-> ``EventFields`` + ``OurTag``: the pure half of the Microsoft
linked calendar (``linked.py`` does the requests).

- **Our tag** is a single-value extended property (a MAPI named String property in our
  own GUID namespace) holding ``"owner:activity"``. Graph returns extended properties
  only when asked (``$expand=singleValueExtendedProperties($filter=id eq '...')``),
  and Outlook never shows them.
- **Guests** ride in a second such property, never as ``attendees``: Graph has no
  switch to keep a write from mailing attendees (a POST or PATCH the organizer makes
  sends meeting requests and updates, ``responseRequested`` false only spares their
  answers), so what we write must not add attendees. Read back, ``guests`` is the
  event's real attendees plus the guests we stored (an attendee's own answer wins).
- **The link back** is the last line of the body we write (``contentType`` text);
  reading strips it, and turns an HTML body (what Outlook writes) into text.
- Times are written as UTC wall times (``timeZone`` "UTC") and read in UTC (the
  client sends ``Prefer: outlook.timezone="UTC"``); an all-day event is written
  midnight to midnight (UTC) of the days its fields name and reads back so.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.accounts.errors import BadResponse
from integrations.sync.items import CalendarItem, EventFields, Guest, OurTag, ShowAs

__all__ = [
    "EXPAND",
    "GUESTS_PROPERTY",
    "HAS_TAG",
    "TAG_PROPERTY",
    "calendar_item",
    "event_body",
    "parse_tag",
    "strip_link",
    "tag_value",
    "with_link",
]

#: Our namespace for named properties (a GUID of our own, never Outlook's).
NAMESPACE = "{6d1c8a5e-3f0b-4b8e-9c27-5a1e7d4f2b90}"
TAG_PROPERTY = f"String {NAMESPACE} Name rdvTag"
GUESTS_PROPERTY = f"String {NAMESPACE} Name rdvGuests"
#: Asks Graph to answer our two properties with an event (reads only: delta has no $expand).
EXPAND = (
    f"singleValueExtendedProperties($filter=id eq '{TAG_PROPERTY}' or id eq '{GUESTS_PROPERTY}')"
)
#: ``$filter`` for the events that carry our tag.
HAS_TAG = f"singleValueExtendedProperties/any(ep: ep/id eq '{TAG_PROPERTY}' and ep/value ne null)"

#: The line we append to what we write into the body; reading strips it.
LINK_PREFIX = "Open in Rendezvous: "
_LINK_LINE = re.compile(r"(?:\r?\n)*" + re.escape(LINK_PREFIX) + r"\S+\s*\Z")
_UTC_NAMES = frozenset({"utc", "etc/utc", "coordinated universal time", "tzone://microsoft/utc"})
_SHOW_AS: dict[str, ShowAs] = {"free": "free", "tentative": "tentative"}
_RESPONSES = {
    "accepted": "accepted",
    "organizer": "accepted",
    "declined": "declined",
    "tentativelyaccepted": "tentative",
}
_HIDDEN = frozenset({"private", "confidential"})


# -- our properties -------------------------------------------------------------------


def tag_value(tag: OurTag) -> str:
    return f"{tag.owner_id}:{tag.activity_id}"


def parse_tag(value: object) -> OurTag | None:
    """Our tag from its property value; anything else (a user's edit) is no tag."""
    if not isinstance(value, str):
        return None
    owner, _, activity = value.partition(":")
    if not (owner.isdigit() and activity.isdigit()):
        return None
    return OurTag(owner_id=int(owner), activity_id=int(activity))


def _properties(event: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in event.get("singleValueExtendedProperties") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("value"), str):
            found[str(entry.get("id", "")).lower()] = str(entry["value"])
    return found


def _stored_guests(value: str | None) -> tuple[Guest, ...]:
    if not value:
        return ()
    try:
        raw = json.loads(value)
    except ValueError:
        return ()
    if not isinstance(raw, list):
        return ()
    return tuple(
        Guest(email=str(g["email"]), response=str(g.get("response") or "needsAction"))
        for g in raw
        if isinstance(g, dict) and isinstance(g.get("email"), str)
    )


def guests_value(guests: tuple[Guest, ...]) -> str:
    """The guests property's value (a JSON list) as our writes store it."""
    return json.dumps([{"email": g.email, "response": g.response} for g in guests])


# -- the body and its link back -------------------------------------------------------


def with_link(description: str, link: str | None) -> str:
    if link is None:
        return description
    return (
        f"{description.rstrip()}\n\n{LINK_PREFIX}{link}"
        if description.strip()
        else (LINK_PREFIX + link)
    )


def strip_link(text: str) -> str:
    return _LINK_LINE.sub("", text)


def html_to_text(markup: str) -> str:
    """What a person reads in an HTML body, as plain text lines."""
    text = re.sub(r"(?is)<(head|style|script)\b.*?</\1\s*>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    # A block's edges break the line, however many of them meet.
    text = re.sub(r"(?i)<li\b[^>]*>", "\x00- ", text)
    text = re.sub(r"(?i)</?(p|div|ul|ol|li|tr|table|h[1-6])\b[^>]*>", "\x00", text)
    text = re.sub(r"\x00+", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _description(event: Mapping[str, Any]) -> str:
    body = event.get("body")
    if not isinstance(body, Mapping):
        return ""
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() == "html":
        content = html_to_text(content)
    return strip_link(content.replace("\r\n", "\n")).strip()


# -- times ----------------------------------------------------------------------------


def _wall(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def parse_graph_time(value: object, what: str) -> datetime:
    """A Graph ``dateTimeTimeZone`` as an aware UTC datetime."""
    if not isinstance(value, Mapping) or not isinstance(value.get("dateTime"), str):
        raise BadResponse(f"Microsoft Graph's {what} is missing")
    raw = str(value["dateTime"])
    head, dot, rest = raw.partition(".")
    if dot:  # seven fractional digits; datetime reads six
        raw = f"{head}.{rest[:6]}"
    zone_name = str(value.get("timeZone") or "UTC")
    try:
        wall = datetime.fromisoformat(raw)
        if zone_name.lower() in _UTC_NAMES:
            zone: Any = UTC
        else:
            zone = ZoneInfo(zone_name)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise BadResponse(f"Microsoft Graph's {what} is unreadable: {value!r}") from exc
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=zone)
    return wall.astimezone(UTC)


def _instant(value: object) -> datetime | None:
    """``originalStart``: an Edm.DateTimeOffset."""
    if not isinstance(value, str) or not value:
        return None
    raw = value.replace("Z", "+00:00")
    head, dot, rest = raw.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        raw = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise BadResponse(f"Microsoft Graph's originalStart is unreadable: {value!r}") from exc
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)


# -- reading ----------------------------------------------------------------------------


def _attendees(event: Mapping[str, Any]) -> list[Guest]:
    guests = []
    for entry in event.get("attendees") or ():
        if not isinstance(entry, Mapping):
            continue
        address = (entry.get("emailAddress") or {}).get("address")
        if not isinstance(address, str) or not address:
            continue
        response = str((entry.get("status") or {}).get("response") or "none").lower()
        guests.append(Guest(email=address, response=_RESPONSES.get(response, "needsAction")))
    return guests


def _merged_guests(attendees: list[Guest], stored: tuple[Guest, ...]) -> tuple[Guest, ...]:
    seen = {g.email.casefold() for g in attendees}
    return tuple(attendees) + tuple(g for g in stored if g.email.casefold() not in seen)


def _organiser_name(event: Mapping[str, Any]) -> str:
    """Who organises the event, for the CRM's "organised by ... in your calendar"."""
    organizer = event.get("organizer")
    address = organizer.get("emailAddress") if isinstance(organizer, Mapping) else None
    if not isinstance(address, Mapping):
        return ""
    return str(address.get("address") or address.get("name") or "")


def calendar_item(event: Mapping[str, Any]) -> CalendarItem:
    """One Graph event (or occurrence) as the sync engine sees it, with our tag and
    guests when it carries our properties (asked for with ``EXPAND``)."""
    if "id" not in event:
        raise BadResponse("Microsoft Graph answered an event without its id")
    properties = _properties(event)
    tag = parse_tag(properties.get(TAG_PROPERTY.lower()))
    start = parse_graph_time(event.get("start"), "start")
    end = parse_graph_time(event.get("end"), "end")
    private = str(event.get("sensitivity") or "normal").lower() in _HIDDEN
    show_as = _SHOW_AS.get(str(event.get("showAs") or "busy"), "busy")
    all_day = event.get("isAllDay") is True
    if private and tag is None:
        # Someone else's private details never reach our database.
        fields = EventFields(
            title="Busy", start=start, end=end, all_day=all_day, show_as=show_as, private=True
        )
    else:
        location = event.get("location")
        fields = EventFields(
            title=str(event.get("subject") or ""),
            start=start,
            end=end,
            all_day=all_day,
            location=str(location.get("displayName") or "")
            if isinstance(location, Mapping)
            else "",
            description=_description(event),
            guests=_merged_guests(
                _attendees(event), _stored_guests(properties.get(GUESTS_PROPERTY.lower()))
            ),
            show_as=show_as,
            private=private,
        )
    etag = event.get("@odata.etag") or event.get("changeKey")
    return CalendarItem(
        remote_id=str(event["id"]),
        etag=str(etag) if etag else None,
        fields=fields,
        host_is_organiser=event.get("isOrganizer") is not False,
        organiser=_organiser_name(event),
        # Exchange mails the attendees of a meeting about any change its organiser
        # makes: with real attendees, no write of ours is silent.
        notifies_guests=bool(_attendees(event)) and event.get("isOrganizer") is not False,
        series_id=cast(str | None, event.get("seriesMasterId")) or None,
        original_start=_instant(event.get("originalStart")),
        tag=tag,
    )


# -- writing ----------------------------------------------------------------------------


def event_body(
    fields: EventFields,
    names: tuple[str, ...],
    *,
    link: str | None,
    tag: OurTag | None,
) -> dict[str, Any]:
    """The Graph body that writes ``names`` of ``fields`` (and ``tag``), nothing else.
    Start, end and all-day travel together: each changes how the others are read."""
    body: dict[str, Any] = {}
    properties: list[dict[str, str]] = []
    if "title" in names:
        body["subject"] = fields.title
    if {"start", "end", "all_day"} & set(names):
        if fields.all_day:
            # Midnight to midnight of the days the fields name (in their own zone).
            first, last = fields.start.date(), fields.end.date()
            last = max(last, first + timedelta(days=1))
            body["start"] = {"dateTime": f"{first.isoformat()}T00:00:00", "timeZone": "UTC"}
            body["end"] = {"dateTime": f"{last.isoformat()}T00:00:00", "timeZone": "UTC"}
        else:
            body["start"] = {"dateTime": _wall(fields.start), "timeZone": "UTC"}
            body["end"] = {"dateTime": _wall(fields.end), "timeZone": "UTC"}
        body["isAllDay"] = fields.all_day
    if "location" in names:
        body["location"] = {"displayName": fields.location}
    if "description" in names:
        body["body"] = {"contentType": "text", "content": with_link(fields.description, link)}
    if "show_as" in names:
        body["showAs"] = fields.show_as
    if "private" in names:
        body["sensitivity"] = "private" if fields.private else "normal"
    if "guests" in names:
        properties.append({"id": GUESTS_PROPERTY, "value": guests_value(fields.guests)})
    if tag is not None:
        properties.append({"id": TAG_PROPERTY, "value": tag_value(tag)})
    if properties:
        body["singleValueExtendedProperties"] = properties
    return body
