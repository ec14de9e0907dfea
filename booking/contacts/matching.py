"""Which contact a guest's e-mail address names: one, none, or several.

Contacts may share an address (a shared inbox, a duplicate import), so an address is
not an identity. Matching is exact on the case-folded address; several matches are
never guessed between: the caller marks the activity as needing attention instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol

import msgspec

from booking.validation import email_key

__all__ = ["GuestMatch", "match_guest"]


class _Keyed(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def email_key(self) -> str: ...


class GuestMatch(msgspec.Struct, kw_only=True, frozen=True):
    """The outcome of matching one guest address against the team's contacts."""

    email: str
    contact_ids: tuple[int, ...]  # ascending

    @property
    def kind(self) -> Literal["one", "none", "several"]:
        count = len(self.contact_ids)
        return "none" if count == 0 else "one" if count == 1 else "several"

    @property
    def contact_id(self) -> int | None:
        """The contact, when exactly one matched."""
        return self.contact_ids[0] if self.kind == "one" else None


def match_guest(email: str, contacts: Iterable[_Keyed]) -> GuestMatch:
    """The contacts among ``contacts`` whose address is ``email``, ignoring case only."""
    key = email_key(email)
    return GuestMatch(
        email=email, contact_ids=tuple(sorted(c.id for c in contacts if c.email_key == key))
    )
