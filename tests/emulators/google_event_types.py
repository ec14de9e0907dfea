"""Google's event types in the emulator: what each type must look like, the fields
Google fills in, and the ``eventTypes`` filter of events.list.

Facts from the v3 discovery document shipped with google-api-python-client and
Google's "Event types" and "calendar status" guides:

- ``eventTypes`` (repeated) keeps only the listed types, in events.list and in the
  notifications of events.watch; unset, every type, birthdays included (release
  note of 2024-08-05). Before 2024 a
  working-location event needed opting in; it no longer does.
- ``eventType`` defaults to ``default`` and never changes after creation.
- ``fromGmail`` events are made by Gmail; the API cannot create one.
- ``birthday``: an all-day event of exactly one day, recurring yearly, private and
  transparent, with ``birthdayProperties`` (the API creates only ``type: birthday``;
  contacts sync makes ``anniversary``, ``self``, ``custom``, ``other``).
- ``outOfOffice``, ``focusTime``, ``workingLocation``: primary calendars only.
  Out-of-office and focus time are timed events (opaque: they block); a working
  location is transparent and either all-day or a span of hours, with
  ``workingLocationProperties.type`` ``homeOffice``, ``officeLocation`` or
  ``customLocation``.
- Each ``*Properties`` object belongs to its type only.

Google answers a breach with 400; the reason ``eventTypeRestriction`` (domain
``calendar``) is what Google sends for these, per public reports (it is not in the
discovery document).
"""

from __future__ import annotations

from typing import Any

from tests.emulators.google_discovery import GoogleApiError, invalid

__all__ = ["EVENT_TYPES", "apply_event_type", "of_types"]

EVENT_TYPES = (
    "default",
    "outOfOffice",
    "focusTime",
    "workingLocation",
    "birthday",
    "fromGmail",
)
PROPERTIES = {
    "outOfOffice": "outOfOfficeProperties",
    "focusTime": "focusTimeProperties",
    "workingLocation": "workingLocationProperties",
    "birthday": "birthdayProperties",
}
_STATUS_TYPES = frozenset({"outOfOffice", "focusTime", "workingLocation"})
_LOCATIONS = frozenset({"homeOffice", "officeLocation", "customLocation"})
_BIRTHDAY_KINDS = frozenset({"birthday", "anniversary", "self", "custom", "other"})


def _restricted(message: str) -> GoogleApiError:
    return GoogleApiError(400, "eventTypeRestriction", message, domain="calendar")


def _fixed(event: dict[str, Any], name: str, value: str, event_type: str) -> None:
    """A field the type pins: filled in when absent, refused when contrary."""
    if event.setdefault(name, value) != value:
        raise _restricted(f"Events of type {event_type} must have {name} {value}.")


def apply_event_type(
    event: dict[str, Any],
    previous: dict[str, Any] | None,
    *,
    primary: bool,
    all_day: bool,
    days: int,
    by_user: bool,
) -> None:
    """Check ``event`` (a create or the result of an edit) against its type and fill
    in what Google does. ``by_user`` is an action in Google's own products (the
    calendar UI, Gmail, contacts sync), which may do what the API may not."""
    event_type = event.setdefault("eventType", "default")
    if event_type not in EVENT_TYPES:
        raise invalid("Invalid value for: eventType", "eventType")
    if previous is not None and previous.get("eventType", "default") != event_type:
        raise _restricted("The event type cannot be changed.")
    for other_type, name in PROPERTIES.items():
        if name in event and other_type != event_type:
            raise _restricted(f"{name} can only be set on events of type {other_type}.")
    if event_type == "fromGmail" and previous is None and not by_user:
        raise _restricted("Events of type fromGmail cannot be created.")
    if event_type in _STATUS_TYPES and not primary:
        raise _restricted(f"Events of type {event_type} can only be on a primary calendar.")
    if event_type in ("outOfOffice", "focusTime"):
        if all_day:
            raise _restricted(f"Events of type {event_type} cannot be all-day events.")
        event.setdefault(PROPERTIES[event_type], {"autoDeclineMode": "declineNone"})
    elif event_type == "workingLocation":
        properties = event.get("workingLocationProperties")
        if not isinstance(properties, dict) or properties.get("type") not in _LOCATIONS:
            raise _restricted(
                "Working location events need workingLocationProperties.type"
                " (homeOffice, officeLocation or customLocation)."
            )
        _fixed(event, "transparency", "transparent", event_type)
        event.setdefault("visibility", "public")
    elif event_type == "birthday":
        if not all_day or days != 1:
            raise _restricted("Birthday events must be all-day events of exactly one day.")
        rules = event.get("recurrence") or []
        if not any(str(rule).startswith("RRULE:FREQ=YEARLY") for rule in rules):
            raise _restricted("Birthday events must recur yearly.")
        _fixed(event, "transparency", "transparent", event_type)
        _fixed(event, "visibility", "private", event_type)
        properties = event.setdefault("birthdayProperties", {"type": "birthday"})
        kind = properties.setdefault("type", "birthday") if isinstance(properties, dict) else None
        if kind not in _BIRTHDAY_KINDS or (kind != "birthday" and not by_user):
            raise _restricted("The API can only create birthday events of type birthday.")


def of_types(event: dict[str, Any], wanted: list[str], master: dict[str, Any] | None) -> bool:
    """Whether the ``eventTypes`` filter keeps ``event``. A deleted instance reported
    only by its id takes its type from its series' ``master``."""
    if not wanted:
        return True
    source = event if "eventType" in event or master is None else master
    return source.get("eventType", "default") in wanted
