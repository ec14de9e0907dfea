"""match_guest: one, none or several contacts for an address, exact up to case."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from booking.contacts.matching import match_guest


@dataclass(frozen=True)
class Row:
    id: int
    email_key: str


def test_one_none_several() -> None:
    rows = [Row(1, "ann@x.example"), Row(2, "team@x.example"), Row(3, "team@x.example")]
    ann = match_guest("Ann@X.example", rows)
    assert (ann.kind, ann.contact_id) == ("one", 1)
    nobody = match_guest("bob@x.example", rows)
    assert (nobody.kind, nobody.contact_id, nobody.contact_ids) == ("none", None, ())
    both = match_guest("TEAM@x.example", rows)
    assert (both.kind, both.contact_id, both.contact_ids) == ("several", None, (2, 3))


def test_matching_is_exact_not_fuzzy() -> None:
    rows = [Row(1, "ann@x.example"), Row(2, "ann+crm@x.example"), Row(3, "ann@x.example.org")]
    assert match_guest(" ann@x.example ", rows).contact_ids == (1,)


@given(
    st.lists(st.tuples(st.integers(1, 50), st.sampled_from(["a@x.ex", "b@x.ex", "ß@x.ex"]))),
    st.sampled_from(["a@x.ex", "A@X.EX", "b@x.ex", "SS@x.ex", "ß@x.ex", "c@x.ex"]),
)
def test_the_match_is_every_contact_with_the_casefolded_address(
    pairs: list[tuple[int, str]], address: str
) -> None:
    rows = [Row(i, key) for i, key in dict(pairs).items()]
    match = match_guest(address, rows)
    expected = sorted(r.id for r in rows if r.email_key == address.casefold())
    assert list(match.contact_ids) == expected
    assert match.kind == {0: "none", 1: "one"}.get(len(expected), "several")
    assert match.contact_id == (expected[0] if len(expected) == 1 else None)
    assert match.email == address
