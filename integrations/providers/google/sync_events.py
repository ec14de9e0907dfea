"""Google Calendar event JSON <-> the sync engine's ``EventFields`` and ``OurTag``.

Pure: no requests, no clock. ``GoogleLinkedCalendar`` (``linked.py``) sends what
:func:`event_body` and :func:`event_patch` make and reads answers with :func:`read_item`.

How the fields map:

- title <-> ``summary``; location, description <-> the same names.
- start, end, all_day <-> ``start``/``end``: ``{"date"}`` (end exclusive) for an
  all-day event, whose days are the host's (DESIGN.md: all-day events cover whole
  days in the host's zone), else ``{"dateTime", "timeZone"}``.
- guests <-> ``attendees`` (email and ``responseStatus``).
- show_as: "free" is ``transparency: transparent``; "tentative" is ``status:
  tentative``; "busy" is opaque and confirmed.
- private <-> ``visibility`` private (or confidential, on reading).
- Our tag rides in ``extendedProperties.private`` (``rdvOwner``, ``rdvActivity``):
  only this account's copy sees it, never a guest.
- The link back to the activity is the description's last line on Google and is
  stripped again on reading.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from integrations.accounts.errors import BadResponse
from integrations.sync.items import CalendarItem, EventFields, Guest, OurTag, ShowAs
from integrations.sync.linked import LinkFor

__all__ = [
    "BUSY_TITLE",
    "TAG_ACTIVITY",
    "TAG_OWNER",
    "event_body",
    "event_patch",
    "read_item",
    "read_tag",
    "tag_properties",
    "with_link",
    "without_link",
]

TAG_OWNER = "rdvOwner"
TAG_ACTIVITY = "rdvActivity"
#: The title a private event of the host's own shows in place of its details.
BUSY_TITLE = "Busy"
_HIDDEN = frozenset({"private", "confidential"})
#: A blank line keeps the link apart from what the host typed.
_SEPARATOR = "\n\n"


# -- our tag ------------------------------------------------------------------------


def tag_properties(tag: OurTag) -> dict[str, Any]:
    """The ``extendedProperties`` that carry ``tag`` (a patch merges them in)."""
    return {"private": {TAG_OWNER: str(tag.owner_id), TAG_ACTIVITY: str(tag.activity_id)}}


def read_tag(event: Mapping[str, Any]) -> OurTag | None:
    """Our tag on an event, or None when it has none (or one we cannot read)."""
    extended = event.get("extendedProperties")
    private = extended.get("private") if isinstance(extended, Mapping) else None
    if not isinstance(private, Mapping):
        return None
    try:
        return OurTag(owner_id=int(private[TAG_OWNER]), activity_id=int(private[TAG_ACTIVITY]))
    except (KeyError, TypeError, ValueError):
        return None


# -- the link back ------------------------------------------------------------------


def with_link(description: str, link: str) -> str:
    """What we write: the host's text, then the link on a line of its own."""
    return f"{description}{_SEPARATOR}{link}" if description else link


def without_link(description: str, link: str) -> str:
    """What the host typed: ``description`` without our link line (wherever the host
    left it, should they have typed below it)."""
    if description == link:
        return ""
    for ending in (_SEPARATOR + link, "\n" + link):
        if description.endswith(ending):
            return description[: -len(ending)]
    lines = description.split("\n")
    if link in lines:
        return "\n".join(line for line in lines if line != link)
    return _html_link(link).sub("", description, count=1)


def _html_link(link: str) -> re.Pattern[str]:
    """Our link at the end of a description Google's web editor saved as HTML: lines
    joined by ``<br>``, the link made an anchor (its ``&`` escaped in the href)."""
    targets = "|".join(re.escape(t) for t in dict.fromkeys((link, html.escape(link))))
    anchor = rf"<a\s[^>]*href=\"(?:{targets})\"[^>]*>.*?</a>"
    return re.compile(rf"(?:\s|<br\s*/?>)*(?:{anchor}|{targets})\s*$", re.DOTALL)


# -- writing ------------------------------------------------------------------------


def _times(fields: EventFields, zone: ZoneInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    # Each side names the other key null: a patch merges objects, and an event
    # turning all-day (or back) must not keep both ``date`` and ``dateTime``.
    if fields.all_day:
        first = fields.start.astimezone(zone).date()
        last = fields.end.astimezone(zone).date()
        # An all-day event covers at least one day; Google refuses an empty range.
        last = max(last, first + timedelta(days=1))
        return (
            {"date": first.isoformat(), "dateTime": None, "timeZone": None},
            {"date": last.isoformat(), "dateTime": None, "timeZone": None},
        )

    def timed(moment: datetime) -> dict[str, Any]:
        return {"dateTime": moment.astimezone(zone).isoformat(), "timeZone": zone.key, "date": None}

    return timed(fields.start), timed(fields.end)


def event_patch(
    fields: EventFields, names: Iterable[str], *, zone: ZoneInfo, link: str | None
) -> dict[str, Any]:
    """The Google fields for the ``EventFields`` ``names`` of ``fields``, as a patch
    (nulls clear). ``link``: appended to the description when it is written."""
    wanted = set(names)
    patch: dict[str, Any] = {}
    if "title" in wanted:
        patch["summary"] = fields.title
    if wanted & {"start", "end", "all_day"}:
        patch["start"], patch["end"] = _times(fields, zone)
    if "location" in wanted:
        patch["location"] = fields.location
    if "description" in wanted:
        patch["description"] = (
            with_link(fields.description, link) if link is not None else fields.description
        )
    if "guests" in wanted:
        patch["attendees"] = [
            {"email": g.email, "responseStatus": g.response} for g in fields.guests
        ]
    if "show_as" in wanted:
        patch["transparency"] = "transparent" if fields.show_as == "free" else "opaque"
        patch["status"] = "tentative" if fields.show_as == "tentative" else "confirmed"
    if "private" in wanted:
        patch["visibility"] = "private" if fields.private else "default"
    return patch


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _without_nulls(item) if isinstance(item, dict) else item
        for key, item in value.items()
        if item is not None
    }


def event_body(
    fields: EventFields, tag: OurTag, *, zone: ZoneInfo, link: str, event_id: str | None = None
) -> dict[str, Any]:
    """A whole event of ours (insert, or a replace reviving a deleted one): every
    field, the tag, and status confirmed (or tentative) so a cancelled event lives."""
    body = _without_nulls(event_patch(fields, EventFields.__struct_fields__, zone=zone, link=link))
    body["extendedProperties"] = tag_properties(tag)
    if event_id is not None:
        body["id"] = event_id
    return body


# -- reading ------------------------------------------------------------------------


def _instant(value: Any, what: str, zone: ZoneInfo) -> tuple[datetime, bool]:
    """A start/end/originalStartTime object as an aware datetime, and whether it is a
    date (midnight in the host's zone)."""
    if not isinstance(value, Mapping):
        raise BadResponse(f"a Google event without {what}")
    try:
        if value.get("date"):
            day = date.fromisoformat(str(value["date"]))
            return datetime.combine(day, time(), zone), True
        moment = datetime.fromisoformat(str(value["dateTime"]))
    except (KeyError, ValueError) as exc:
        raise BadResponse(f"a Google event with an unreadable {what}: {value!r}") from exc
    if moment.tzinfo is None:
        named = value.get("timeZone")
        try:
            moment = moment.replace(tzinfo=ZoneInfo(str(named)) if named else zone)
        except (KeyError, ValueError) as exc:
            raise BadResponse(f"a Google event with an unknown zone: {named!r}") from exc
    return moment.astimezone(UTC), False


def _show_as(event: Mapping[str, Any]) -> ShowAs:
    if event.get("transparency") == "transparent":
        return "free"
    return "tentative" if event.get("status") == "tentative" else "busy"


def _guests(event: Mapping[str, Any]) -> tuple[Guest, ...]:
    attendees = event.get("attendees")
    if not isinstance(attendees, list):
        return ()
    return tuple(
        Guest(email=str(a["email"]), response=str(a.get("responseStatus") or "needsAction"))
        for a in attendees
        if isinstance(a, Mapping) and a.get("email")
    )


def _organised_by_owner(event: Mapping[str, Any], owner: str | None) -> bool:
    organizer = event.get("organizer")
    if not isinstance(organizer, Mapping):
        # Google always names one; without it, nothing says the host is a guest.
        return True
    if organizer.get("self") is True:
        return True
    email = organizer.get("email")
    return owner is not None and isinstance(email, str) and email.casefold() == owner.casefold()


def _organiser_name(event: Mapping[str, Any]) -> str:
    """Who organises the event, for the CRM's "organised by ... in your calendar"."""
    organizer = event.get("organizer")
    if not isinstance(organizer, Mapping):
        return ""
    return str(organizer.get("email") or organizer.get("displayName") or "")


def read_item(
    event: Mapping[str, Any],
    *,
    zone: ZoneInfo,
    link_for: LinkFor,
    owner: str | None = None,
) -> CalendarItem:
    """A live (not cancelled) Google event as a ``CalendarItem``. ``link_for``: the
    link line to strip is that of the tag's activity (an event without our tag has
    none); ``owner``: the calendar owner's address, for events that lack ``organizer.self``.

    A private event without our tag keeps only its time and show-as: title "Busy",
    no description, location or guests (their details are never stored).
    """
    try:
        remote_id = str(event["id"])
    except KeyError as exc:
        raise BadResponse("a Google event without an id") from exc
    start, all_day = _instant(event.get("start"), "start", zone)
    end, _ = _instant(event.get("end"), "end", zone)
    tag = read_tag(event)
    private = event.get("visibility") in _HIDDEN
    if private and tag is None:
        fields = EventFields(
            title=BUSY_TITLE,
            start=start,
            end=end,
            all_day=all_day,
            show_as=_show_as(event),
            private=True,
        )
    else:
        description = str(event.get("description") or "")
        fields = EventFields(
            title=str(event.get("summary") or ""),
            start=start,
            end=end,
            all_day=all_day,
            location=str(event.get("location") or ""),
            description=(
                without_link(description, link_for(tag.activity_id)) if tag else description
            ),
            guests=_guests(event),
            show_as=_show_as(event),
            private=private,
        )
    series = event.get("recurringEventId")
    original = event.get("originalStartTime")
    return CalendarItem(
        remote_id=remote_id,
        etag=event.get("etag"),
        fields=fields,
        host_is_organiser=_organised_by_owner(event, owner),
        organiser=_organiser_name(event),
        series_id=str(series) if series else None,
        original_start=_instant(original, "originalStartTime", zone)[0] if original else None,
        tag=tag,
    )
