"""Rules for contacts, matched to addresses exactly and case-insensitively.

Contacts may share an address (a shared inbox, a duplicate import), but only when
asked for (``allow_duplicate``); a guest whose address several contacts share is never
guessed between (:func:`link_guest`, :mod:`booking.contacts.matching`).

Contacts are the team's: every host reads all of them. Each has an owner, the host
who created it or was booked by (or met) the person first, and only the owner may
change or delete it. To anyone else a write answers "no such contact", as if it did
not exist, like every other resource a host may not touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.columns import Column

from booking import validation
from booking.contacts import matching, repository
from booking.contacts.matching import GuestMatch
from booking.contacts.schemas import Contact, ContactCreate, ContactUpdate
from booking.errors import AlreadyExists, Conflict, NotFound

# Serial columns are 32-bit on PostgreSQL; a larger id would be a driver error (500)
# rather than the 404 it is.
_MAX_ID = 2**31 - 1


def _valid_id(contact_id: int) -> bool:
    return 0 < contact_id <= _MAX_ID


async def link_guest(
    email: str, name: str = "", *, owner_id: int, create_missing: bool = True
) -> GuestMatch:
    """Match a guest's address to the team's contacts (exact, case-insensitive).

    One match: that contact. None: a new contact owned by ``owner_id`` (the host who
    is meeting the person), unless ``create_missing`` is off. Several: nothing is
    guessed; the caller marks what the guest belongs to as needing attention.
    Safe under concurrency: two bookings by the same new invitee create one contact.
    """
    address = validation.email(email)
    key = validation.email_key(address)
    async with repository.email_key_lock(key):
        found = await repository.by_email_key(key)
        if not found and create_missing:
            found = [
                await repository.insert(
                    {"email": address, "email_key": key, "name": name.strip(), "owner": owner_id}
                )
            ]
    return matching.match_guest(address, found)


async def link_guests_many(
    emails: Sequence[str], *, owner_id: int, create_missing: bool = True
) -> dict[str, GuestMatch]:
    """:func:`link_guest` for many addresses (no names), as if called for each in turn:
    a contact made for an address is what its later spellings match. A few statements
    however many there are (an import of a thousand meetings made thousands of
    queries). Answers each address as given -> its match."""
    addresses = {email: validation.email(email) for email in emails}
    keys: dict[str, str] = {}  # key -> the first address with it: a new contact's
    for address in addresses.values():
        keys.setdefault(validation.email_key(address), address)
    async with repository.email_keys_lock(keys):
        found = await repository.by_email_keys(keys)
        missing = [key for key in keys if key not in found] if create_missing else []
        if missing:
            rows = [
                {"email": keys[k], "email_key": k, "name": "", "owner": owner_id} for k in missing
            ]
            for record in await repository.insert_many(rows):
                found[record.email_key] = [record]
    return {
        email: matching.match_guest(address, found.get(validation.email_key(address), []))
        for email, address in addresses.items()
    }


async def match_guest(email: str) -> GuestMatch:
    """Which contacts have this address (exact, case-insensitive); creates nothing."""
    address = validation.email(email)
    return matching.match_guest(
        address, await repository.by_email_key(validation.email_key(address))
    )


async def match_or_create(email: str, name: str = "", *, owner_id: int) -> Contact:
    """The one contact with this address, created if there is none; an existing one
    keeps its owner. Several answer :class:`Conflict` (use :func:`link_guest` to
    handle them)."""
    match = await link_guest(email, name, owner_id=owner_id)
    if match.contact_id is None:
        raise Conflict(
            f"{len(match.contact_ids)} contacts have the address {match.email}.",
            extra={"contact_ids": list(match.contact_ids)},
        )
    return await get(match.contact_id)


async def _refuse_taken(address: str, key: str, contact_id: int | None = None) -> None:
    others = [c.id for c in await repository.by_email_key(key) if c.id != contact_id]
    if others:
        raise AlreadyExists(
            "email",
            f"A contact with the address {address} already exists; send"
            ' "allow_duplicate": true to add another (e.g. a shared inbox).',
        )


async def create(owner_id: int, data: ContactCreate) -> Contact:
    address = validation.email(data.email)
    key = validation.email_key(address)
    async with repository.email_key_lock(key):
        if not data.allow_duplicate:
            await _refuse_taken(address, key)
        row = await repository.insert(
            {"email": address, "email_key": key, "name": data.name.strip(), "owner": owner_id}
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
    key = str(values.get("email_key", ""))
    async with repository.email_key_lock(key):
        # Ownership first: another host's contact is "no such contact", and must not
        # reveal whether the address is taken.
        row = await repository.owned_by(owner_id, contact_id)
        if row is None:
            raise NotFound("No such contact.")
        if key and key != row.email_key and not data.allow_duplicate:
            await _refuse_taken(str(values["email"]), key, contact_id)
        if values:
            row = await repository.update_owned(owner_id, contact_id, values)
        if row is None:
            raise NotFound("No such contact.")
    return msgspec.convert(row, Contact, from_attributes=True)


async def delete(owner_id: int, contact_id: int) -> None:
    """Delete a contact ``owner_id`` owns; anyone else's is "no such contact"."""
    if not (_valid_id(contact_id) and await repository.delete_owned(owner_id, contact_id)):
        raise NotFound("No such contact.")
