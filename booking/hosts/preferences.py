"""Small per-host choices the pages remember on the server, so they follow the host
from one browser to another: which view the activities page opens in."""

from __future__ import annotations

from typing import Literal, get_args

from booking.errors import InvalidInput
from booking.hosts import repository

__all__ = [
    "ACTIVITIES_VIEWS",
    "ActivitiesView",
    "activities_view",
    "known_view",
    "remember_activities_view",
]

#: The calendar's month, week and day grids, and the list.
ActivitiesView = Literal["month", "week", "day", "list"]
ACTIVITIES_VIEWS: tuple[str, ...] = get_args(ActivitiesView)
_VIEWS: dict[str, ActivitiesView] = {"month": "month", "week": "week", "day": "day", "list": "list"}
DEFAULT_VIEW: ActivitiesView = "month"


def known_view(view: str) -> ActivitiesView | None:
    return _VIEWS.get(view)


async def activities_view(host_id: int) -> ActivitiesView:
    """The view the host last switched to (month for a host who never switched)."""
    stored = await repository.activities_view(host_id)
    return known_view(stored or "") or DEFAULT_VIEW


async def remember_activities_view(host_id: int, view: str) -> ActivitiesView:
    known = known_view(view)
    if known is None:
        raise InvalidInput("view", f"must be one of {', '.join(ACTIVITIES_VIEWS)}.")
    await repository.set_activities_view(host_id, known)
    return known
