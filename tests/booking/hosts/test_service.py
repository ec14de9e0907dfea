from __future__ import annotations

import pytest

from booking.errors import AlreadyExists, InvalidInput, NotFound, Unauthorized
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate, HostUpdate

pytestmark = pytest.mark.usefixtures("db")


async def test_create_normalises_email_and_hashes_password() -> None:
    host = await hosts.create(
        HostCreate(email="Grace@Example.COM", slug="grace", time_zone="America/New_York",
                   password="hopper-1906")
    )  # fmt: skip
    assert host.email == "grace@example.com"
    assert host.time_zone == "America/New_York"
    assert host.created_at.tzinfo is not None
    assert (
        await hosts.authenticate_password("GRACE@example.com", "hopper-1906")
    ).host.id == host.id


@pytest.mark.parametrize(
    ("email", "slug", "field"),
    [("GRACE@example.com", "other", "email"), ("other@example.com", "grace", "slug")],
)
async def test_duplicates_are_refused_naming_the_field(email: str, slug: str, field: str) -> None:
    await hosts.create(HostCreate(email="grace@example.com", slug="grace"))
    with pytest.raises(AlreadyExists) as error:
        await hosts.create(HostCreate(email=email, slug=slug))
    assert error.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (HostCreate(email="not-an-email", slug="x1"), "email"),
        (HostCreate(email="a@example.com", slug="x1", time_zone="Europe/Atlantis"), "time_zone"),
        (HostCreate(email="a@example.com", slug="login"), "slug"),
    ],
)
async def test_invalid_input_names_the_field(data: HostCreate, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        await hosts.create(data)
    assert error.value.field == field


async def test_wrong_password_and_password_less_hosts_do_not_authenticate() -> None:
    await hosts.create(HostCreate(email="a@example.com", slug="a1", password="right-password"))
    await hosts.create(HostCreate(email="b@example.com", slug="b1"))
    with pytest.raises(Unauthorized):
        await hosts.authenticate_password("a@example.com", "wrong-password")
    with pytest.raises(Unauthorized):
        await hosts.authenticate_password("b@example.com", "")
    with pytest.raises(Unauthorized):
        await hosts.authenticate_password("nobody@example.com", "right-password")


async def test_tokens_authenticate_their_host_only() -> None:
    a = await hosts.create(HostCreate(email="a@example.com", slug="a1"))
    b = await hosts.create(HostCreate(email="b@example.com", slug="b1"))
    token_a = await hosts.create_token(a.id)
    token_b = await hosts.create_token(b.id)
    assert token_a != token_b
    assert (await hosts.authenticate_token(token_a)).id == a.id
    assert (await hosts.authenticate_token(token_b)).id == b.id
    with pytest.raises(Unauthorized):
        await hosts.authenticate_token(token_a[:-1])


async def test_update_unknown_host_is_not_found() -> None:
    with pytest.raises(NotFound):
        await hosts.update(999_999, HostUpdate(name="x"))
