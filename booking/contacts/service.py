"""Rules for contacts: one contact per e-mail address, matched case-insensitively.

Contacts are the team's: every host reads all of them. Each has an owner, the host
who created it or was booked by (or met) the person first, and only the owner may
change or delete it. To anyone else a write answers "no such contact", as if it did
not exist, like every other resource a host may not touch.
"""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.contacts import repository
from booking.contacts.schemas import Contact, ContactCreate, ContactUpdate
from booking.errors import NotFound

# Serial columns are 32-bit on PostgreSQL; a larger id would be a driver error (500)
# rather than the 404 it is.
_MAX_ID = 2**31 - 1


def _valid_id(contact_id: int) -> bool:
    return 0 < contact_id <= _MAX_ID


async def match_or_create(email: str, name: str = "", *, owner_id: int) -> Contact:
    """The contact with this e-mail (exact, case-insensitive), created if there is none.

    A new contact belongs to ``owner_id``, the host who is meeting the person (booked,
    or adding them as a guest); an existing one keeps its owner.
    Safe under concurrency: two bookings by the same new invitee create one contact.
    """
    address = validation.email(email)
    key = validation.email_key(address)
    await repository.insert_if_absent(
        {"email": address, "email_key": key, "name": name.strip(), "owner": owner_id}
    )
    row = await repository.by_email_key(key)
    if row is None:  # deleted between the two statements: vanishingly rare, but say so
        raise NotFound(f"The contact {address} was deleted meanwhile; try again.")
    return msgspec.convert(row, Contact, from_attributes=True)


async def create(owner_id: int, data: ContactCreate) -> Contact:
    address = validation.email(data.email)
    row = await repository.insert(
        {
            "email": address,
            "email_key": validation.email_key(address),
            "name": data.name.strip(),
            "owner": owner_id,
        }
    )
    return msgspec.convert(row, Contact, from_attributes=True)


async def get(contact_id: int) -> Contact:
    """Any contact of the team: every host may read every contact."""
    row = await repository.by_id(contact_id) if _valid_id(contact_id) else None
    if row is None:
        raise NotFound("No such contact.")
    return msgspec.convert(row, Contact, from_attributes=True)


async def get_many(ids: list[int]) -> list[Contact]:
    return msgspec.convert(await repository.by_ids(ids), list[Contact], from_attributes=True)


async def search(text: str = "", *, limit: int = 50, offset: int = 0) -> list[Contact]:
    rows = await repository.search(text.strip().casefold(), limit, offset)
    return msgspec.convert(rows, list[Contact], from_attributes=True)


async def update(owner_id: int, contact_id: int, data: ContactUpdate) -> Contact:
    """Change a contact ``owner_id`` owns; anyone else's is "no such contact"."""
    values: dict[Column | str, Any] = {}
    if data.email is not msgspec.UNSET:
        address = validation.email(data.email)
        values.update({"email": address, "email_key": validation.email_key(address)})
    if data.name is not msgspec.UNSET:
        values["name"] = data.name.strip()
    if not _valid_id(contact_id):
        raise NotFound("No such contact.")
    if values:
        row = await repository.update_owned(owner_id, contact_id, values)
    else:  # nothing to change, but still only the owner gets an answer other than 404
        row = await repository.owned_by(owner_id, contact_id)
    if row is None:
        raise NotFound("No such contact.")
    return msgspec.convert(row, Contact, from_attributes=True)


async def delete(owner_id: int, contact_id: int) -> None:
    """Delete a contact ``owner_id`` owns; anyone else's is "no such contact"."""
    if not (_valid_id(contact_id) and await repository.delete_owned(owner_id, contact_id)):
        raise NotFound("No such contact.")
