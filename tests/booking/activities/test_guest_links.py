"""Linking many activities' guests to contacts at once (a calendar import) leaves the
database as linking each activity in turn would have, on both engines: the same
contacts made (one per new address, with its first spelling), the same links, and the
same activities needing attention; and processes importing the same new people at once
make one contact each."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking import validation
from booking.activities import repository
from booking.activities import service as activities
from booking.activities.schemas import ActivityCreate
from booking.activities.tables import Activity, ActivityGuest
from booking.contacts import service as contacts
from booking.contacts.tables import Contact
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from tests.processes import released_together
from tests.waiting import until

pytestmark = pytest.mark.usefixtures("db")

START = datetime(2026, 12, 7, 9, tzinfo=UTC)
ACTIVITIES = 3

# Spellings of a few people: one address in several cases, so that a contact made for
# one spelling is what a later one matches, and a pre-existing contact may share an
# address with another (a shared inbox: "several", never guessed between).
addresses = st.sampled_from(
    ["ann@acme.example", "ANN@acme.example", "bob@acme.example", "Bob@Acme.example", "cy@x.example"]
)
wanted = st.lists(
    st.tuples(st.integers(0, ACTIVITIES - 1), st.lists(addresses, max_size=4)),
    max_size=ACTIVITIES,
    unique_by=lambda pair: pair[0],
)


@pytest.fixture
async def host() -> Host:
    return await hosts.create(HostCreate(email="host@hosts.example", slug="host"))


async def _reset(
    host_id: int, existing: list[str], links: list[list[int]], count: int = ACTIVITIES
) -> tuple[list[int], list[int]]:
    """Fresh activities and contacts; each activity linked to ``links`` (indexes into
    the contacts ``existing`` made), as an earlier sync or the host left them."""
    await ActivityGuest.delete(force=True)
    await Activity.delete(force=True)
    await Contact.delete(force=True)
    made = []
    for address in existing:
        contact = Contact(
            email=validation.email(address), email_key=validation.email_key(address), owner=host_id
        )
        made.append((await Contact.insert(contact).returning(Contact.id))[0]["id"])
    ids = []
    for n in range(count):
        start = START + timedelta(hours=n)
        activity = await activities.create(
            host_id, ActivityCreate(title=f"A{n}", start=start, end=start + timedelta(hours=1))
        )
        ids.append(activity.id)
        linked = links[n] if n < len(links) else []
        await repository.set_guests(
            activity.id, [made[i % len(made)] for i in linked] if made else []
        )
    return made, ids


async def _one_by_one(host_id: int, activity_id: int, emails: list[str], create: bool) -> None:
    """The oracle: relinking one activity, one address at a time (link_guest)."""
    kept = (await repository.guest_links_many([activity_id])).get(activity_id, {})
    ids: list[int] = []
    ambiguous: list[str] = []
    for email in emails:
        contact_id = kept.get(validation.email_key(email))
        if contact_id is not None:
            ids.append(contact_id)
            continue
        match = await contacts.link_guest(email, owner_id=host_id, create_missing=create)
        if match.contact_id is not None:
            ids.append(match.contact_id)
        elif match.kind == "several" and match.email.casefold() not in {
            a.casefold() for a in ambiguous
        }:
            ambiguous.append(match.email)
    await ActivityGuest.delete().where(ActivityGuest.activity == activity_id)
    for contact_id in dict.fromkeys(ids):
        await ActivityGuest.insert(ActivityGuest(activity=activity_id, contact=contact_id))
    await Activity.update(
        {
            Activity.ambiguous_guests: msgspec.json.encode(ambiguous).decode(),
            Activity.needs_attention: bool(ambiguous),
        }
    ).where(Activity.id == activity_id)


async def _state(activity_ids: list[int]) -> Any:
    """Contacts in the order made (ids differ between the runs), and per activity its
    contacts (by that order), its unsure addresses and whether it needs attention."""
    rows = await Contact.select().order_by(Contact.id)
    rank = {row["id"]: n for n, row in enumerate(rows)}
    people = [(row["email"], row["email_key"], row["owner"], row["name"]) for row in rows]
    links = await ActivityGuest.select()
    guests = {
        activity_ids.index(a): sorted(rank[r["contact"]] for r in links if r["activity"] == a)
        for a in activity_ids
    }
    marks = {
        activity_ids.index(row["id"]): (str(row["ambiguous_guests"]), row["needs_attention"])
        for row in await Activity.select(
            Activity.id, Activity.ambiguous_guests, Activity.needs_attention
        )
    }
    return people, guests, marks


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    existing=st.lists(addresses, max_size=4),
    links=st.lists(
        st.lists(st.integers(0, 3), max_size=2), min_size=ACTIVITIES, max_size=ACTIVITIES
    ),
    wanted=wanted,
    create=st.booleans(),
)
async def test_many_activities_relink_as_each_in_turn(
    host: Host,
    existing: list[str],
    links: list[list[int]],
    wanted: list[tuple[int, list[str]]],
    create: bool,
) -> None:
    _, ids = await _reset(host.id, existing, links)
    for index, emails in wanted:
        await _one_by_one(host.id, ids[index], emails, create)
    expected = await _state(ids)

    _, ids = await _reset(host.id, existing, links)
    await activities.relink_guests_many(
        host.id, [(ids[index], emails) for index, emails in wanted], create_missing=create
    )

    assert await _state(ids) == expected


async def test_an_import_makes_one_contact_per_new_address_and_guesses_no_shared_one(
    host: Host,
) -> None:
    _, ids = await _reset(host.id, ["shared@acme.example", "SHARED@acme.example"], [[], [], []])

    await activities.relink_guests_many(
        host.id,
        [
            (ids[0], ["New@Acme.example", "shared@acme.example"]),
            (ids[1], ["new@acme.example"]),
            (ids[2], ["NEW@ACME.EXAMPLE", "other@acme.example"]),
        ],
    )

    people, guests, marks = await _state(ids)
    assert [p[0] for p in people] == [
        "shared@acme.example",
        "SHARED@acme.example",
        "New@acme.example",
        "other@acme.example",
    ], "one contact per new address, with the spelling met first"
    assert guests == {0: [2], 1: [2], 2: [2, 3]}
    assert marks[0] == ('["shared@acme.example"]', True), "a shared address is never guessed"
    assert marks[1][1] is False
    assert marks[2][1] is False


async def test_an_activity_twice_in_one_call_is_refused(host: Host) -> None:
    _, ids = await _reset(host.id, [], [[], [], []])
    with pytest.raises(ValueError, match="twice"):
        await activities.relink_guests_many(host.id, [(ids[0], []), (ids[0], ["a@b.example"])])


async def test_contacts_an_import_makes_read_back_whole(host: Host) -> None:
    _, ids = await _reset(host.id, [], [[], [], []])
    await activities.relink_guests_many(host.id, [(ids[0], ["Zoe@Acme.example"])])
    (made,) = await contacts.search("zoe", limit=10)
    assert (made.email, made.owner_id) == ("Zoe@acme.example", host.id)
    assert made.created_at.tzinfo is not None


RACERS = 6
PEOPLE = 6


@asynccontextmanager
async def contacts_held(database_url: str) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """PostgreSQL: the contact table locked against inserts (reads still pass), and a
    release that waits until all ``RACERS`` are stuck (each at its insert, or at the
    address lock of one that is) before letting go. So every racer has looked its
    people up before any of them is made, the race at its widest: without the address
    lock each would make all of them. SQLite: nothing held (one writer at a time is
    the whole guarantee there)."""
    if not database_url.startswith("postgres"):

        async def nothing() -> None:
            return None

        yield nothing
        return
    holder = await asyncpg.connect(database_url)
    try:
        held = holder.transaction()
        await held.start()
        await holder.execute("LOCK TABLE contact IN EXCLUSIVE MODE")

        async def release() -> None:
            async def stuck() -> bool:
                waiting = await holder.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                return bool(waiting == RACERS)

            await until(stuck, what=f"{RACERS} racers waiting on a lock")
            await held.rollback()

        yield release
    finally:
        await holder.close()


async def test_processes_importing_the_same_new_people_at_once_make_one_contact_each(
    host: Host, database_url: str, tmp_path: Path
) -> None:
    _, ids = await _reset(host.id, [], [], count=RACERS)
    people = [f"p{n}@new.example" for n in range(PEOPLE)]
    env = {**os.environ, "DATABASE_URL": database_url, "RENDEZVOUS_VAR_DIR": str(tmp_path)}
    linker = [sys.executable, "-m", "tests.booking.activities.guest_linker", database_url]

    # Six processes released at once, each naming the same new people (in another
    # order) for its own activity.
    async with contacts_held(database_url) as release:
        answers = await released_together(
            [
                [*linker, str(host.id), str(activity_id), *people[n:], *people[:n]]
                for n, activity_id in enumerate(ids)
            ],
            env,
            after_go=release,
        )

    assert answers == [{"linked": True}] * RACERS
    found, guests, _ = await _state(ids)
    assert sorted(p[1] for p in found) == sorted(people), "one contact per person"
    assert all(linked == list(range(PEOPLE)) for linked in guests.values())
