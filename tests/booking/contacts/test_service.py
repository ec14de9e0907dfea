from __future__ import annotations

import asyncio

import pytest

from booking.contacts import service as contacts
from booking.contacts.schemas import ContactCreate, ContactUpdate
from booking.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def ada() -> Host:
    return await hosts.create(HostCreate(email="ada@hosts.example", slug="ada"))


@pytest.fixture
async def grace() -> Host:
    return await hosts.create(HostCreate(email="grace@hosts.example", slug="grace"))


async def test_match_or_create_matches_case_insensitively(ada: Host) -> None:
    first = await contacts.match_or_create("Grace.Hopper@Navy.MIL", "Grace", owner_id=ada.id)
    again = await contacts.match_or_create("grace.hopper@navy.mil", "Someone", owner_id=ada.id)
    assert again.id == first.id
    assert again.email == "Grace.Hopper@navy.mil", "the first spelling is kept (domain lower-cased)"
    assert again.name == "Grace"


async def test_a_matched_contact_keeps_its_first_owner(ada: Host, grace: Host) -> None:
    first = await contacts.match_or_create("bob@example.com", owner_id=ada.id)
    again = await contacts.match_or_create("BOB@example.com", owner_id=grace.id)
    assert first.owner_id == again.owner_id == ada.id


async def test_concurrent_matches_create_one_contact(ada: Host) -> None:
    found = await asyncio.gather(
        *(contacts.match_or_create("NEW@example.com", owner_id=ada.id) for _ in range(8))
    )
    assert len({c.id for c in found}) == 1


async def test_duplicate_email_differing_only_in_case_is_refused(ada: Host) -> None:
    await contacts.create(ada.id, ContactCreate(email="ada@example.com"))
    with pytest.raises(AlreadyExists) as error:
        await contacts.create(ada.id, ContactCreate(email="ADA@example.com"))
    assert error.value.field == "email"
    other = await contacts.create(ada.id, ContactCreate(email="other@example.com"))
    with pytest.raises(AlreadyExists):
        await contacts.update(ada.id, other.id, ContactUpdate(email="Ada@Example.com"))


async def test_only_the_owner_writes_and_others_learn_nothing(ada: Host, grace: Host) -> None:
    taken = await contacts.create(ada.id, ContactCreate(email="taken@example.com"))
    mine = await contacts.create(ada.id, ContactCreate(email="mine@example.com", name="Mine"))
    assert mine.owner_id == ada.id
    # Not even the unique-address conflict is revealed to a host who may not write.
    for change in (
        ContactUpdate(name="X"),
        ContactUpdate(email="taken@example.com"),
        ContactUpdate(),
    ):
        with pytest.raises(NotFound):
            await contacts.update(grace.id, mine.id, change)
    with pytest.raises(NotFound):
        await contacts.delete(grace.id, mine.id)
    assert await contacts.get(mine.id) == mine
    assert taken.id != mine.id


async def test_search_treats_like_wildcards_literally(ada: Host) -> None:
    await contacts.create(ada.id, ContactCreate(email="a_b@example.com", name="Underscore"))
    await contacts.create(ada.id, ContactCreate(email="axb@example.com", name="Letter"))
    found = await contacts.search("a_b")
    assert [c.name for c in found] == ["Underscore"]


async def test_invalid_email_is_refused(ada: Host) -> None:
    with pytest.raises(InvalidInput):
        await contacts.match_or_create("not an address", owner_id=ada.id)


async def test_link_guest_links_one_creates_none_and_never_picks_among_several(
    ada: Host, grace: Host
) -> None:
    known = await contacts.create(ada.id, ContactCreate(email="known@example.com"))
    one = await contacts.link_guest("KNOWN@example.com", owner_id=grace.id)
    assert (one.kind, one.contact_id) == ("one", known.id)

    only_match = await contacts.link_guest(
        "new@example.com", owner_id=grace.id, create_missing=False
    )
    assert (only_match.kind, only_match.contact_id) == ("none", None)
    assert await contacts.search("new@") == [], "matching only creates nothing"
    created = await contacts.link_guest("new@example.com", "New", owner_id=grace.id)
    assert created.kind == "one"
    assert (await contacts.get(created.contact_ids[0])).owner_id == grace.id

    twin = await contacts.create(
        grace.id, ContactCreate(email="Known@example.com", allow_duplicate=True)
    )
    several = await contacts.link_guest("known@example.com", owner_id=ada.id)
    assert (several.kind, several.contact_id, several.contact_ids) == (
        "several",
        None,
        (known.id, twin.id),
    )
    assert len(await contacts.search("known@")) == 2, "nothing created when several match"
    with pytest.raises(Conflict):
        await contacts.match_or_create("known@example.com", owner_id=ada.id)
