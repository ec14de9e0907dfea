"""Rules for contacts: one contact per e-mail address, matched case-insensitively."""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.contacts import repository
from booking.contacts.schemas import Contact, ContactCreate, ContactUpdate
from booking.errors import NotFound


def _to_contact(row: dict[str, Any]) -> Contact:
    return Contact(id=row["id"], email=row["email"], name=row["name"], created_at=row["created_at"])


async def match_or_create(email: str, name: str = "") -> Contact:
    """The contact with this e-mail (exact, case-insensitive), created if there is none.

    Safe under concurrency: two bookings by the same new invitee create one contact.
    """
    address = validation.email(email)
    key = validation.email_key(address)
    await repository.insert_if_absent({"email": address, "email_key": key, "name": name.strip()})
    row = await repository.by_email_key(key)
    if row is None:  # deleted between the two statements: vanishingly rare, but say so
        raise NotFound(f"The contact {address} was deleted meanwhile; try again.")
    return _to_contact(row)


async def create(data: ContactCreate) -> Contact:
    address = validation.email(data.email)
    row = await repository.insert(
        {"email": address, "email_key": validation.email_key(address), "name": data.name.strip()}
    )
    return _to_contact(row)


async def get(contact_id: int) -> Contact:
    row = await repository.by_id(contact_id)
    if row is None:
        raise NotFound("No such contact.")
    return _to_contact(row)


async def get_many(ids: list[int]) -> list[Contact]:
    return [_to_contact(r) for r in await repository.by_ids(ids)]


async def search(text: str = "", *, limit: int = 50, offset: int = 0) -> list[Contact]:
    return [_to_contact(r) for r in await repository.search(text.strip().casefold(), limit, offset)]


async def update(contact_id: int, data: ContactUpdate) -> Contact:
    values: dict[Column | str, Any] = {}
    if data.email is not msgspec.UNSET:
        address = validation.email(data.email)
        values.update({"email": address, "email_key": validation.email_key(address)})
    if data.name is not msgspec.UNSET:
        values["name"] = data.name.strip()
    if not values:
        return await get(contact_id)
    row = await repository.update(contact_id, values)
    if row is None:
        raise NotFound("No such contact.")
    return _to_contact(row)


async def delete(contact_id: int) -> None:
    if not await repository.delete(contact_id):
        raise NotFound("No such contact.")
