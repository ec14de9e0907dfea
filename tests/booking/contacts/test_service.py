from __future__ import annotations

import asyncio

import pytest

from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate, ContactUpdate
from booking.errors import AlreadyExists, InvalidInput

pytestmark = pytest.mark.usefixtures("db")


async def test_match_or_create_matches_case_insensitively() -> None:
    first = await contacts.match_or_create("Grace.Hopper@Navy.MIL", "Grace")
    again = await contacts.match_or_create("grace.hopper@navy.mil", "Someone else")
    assert again.id == first.id
    assert again.email == "Grace.Hopper@navy.mil", "the first spelling is kept (domain lower-cased)"
    assert again.name == "Grace"


async def test_concurrent_matches_create_one_contact() -> None:
    found = await asyncio.gather(*(contacts.match_or_create("NEW@example.com") for _ in range(8)))
    assert len({c.id for c in found}) == 1


async def test_duplicate_email_differing_only_in_case_is_refused() -> None:
    await contacts.create(ContactCreate(email="ada@example.com"))
    with pytest.raises(AlreadyExists) as error:
        await contacts.create(ContactCreate(email="ADA@example.com"))
    assert error.value.field == "email"
    other = await contacts.create(ContactCreate(email="other@example.com"))
    with pytest.raises(AlreadyExists):
        await contacts.update(other.id, ContactUpdate(email="Ada@Example.com"))


async def test_search_treats_like_wildcards_literally() -> None:
    await contacts.create(ContactCreate(email="a_b@example.com", name="Underscore"))
    await contacts.create(ContactCreate(email="axb@example.com", name="Letter"))
    found = await contacts.search("a_b")
    assert [c.name for c in found] == ["Underscore"]


async def test_invalid_email_is_refused() -> None:
    with pytest.raises(InvalidInput):
        await contacts.match_or_create("not an address")
