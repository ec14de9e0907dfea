"""Which addresses a user-supplied URL may reach: every class the issue names, then a
property over random addresses against an oracle read from IANA's registries."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from integrations.net.errors import AddressRefused
from integrations.net.guard import AddressClass, AddressPolicy, IPAddress, classify, dialable
from tests.integrations.net import oracle

C = AddressClass

CLASSES = [
    # IPv4
    ("8.8.8.8", C.GLOBAL),
    ("1.1.1.1", C.GLOBAL),
    ("172.32.0.1", C.GLOBAL),  # just past 172.16/12
    ("100.128.0.1", C.GLOBAL),  # just past 100.64/10
    ("192.0.0.9", C.GLOBAL),  # PCP anycast: IANA says globally reachable
    ("10.0.0.5", C.PRIVATE),
    ("172.16.0.1", C.PRIVATE),
    ("172.31.255.255", C.PRIVATE),
    ("192.168.1.1", C.PRIVATE),
    ("127.0.0.1", C.LOOPBACK),
    ("127.255.255.254", C.LOOPBACK),
    ("169.254.1.1", C.LINK_LOCAL),
    ("100.64.0.1", C.SHARED),
    ("100.127.255.255", C.SHARED),
    ("169.254.169.254", C.METADATA),
    ("169.254.170.2", C.METADATA),
    ("100.100.100.200", C.METADATA),
    ("168.63.129.16", C.METADATA),
    ("0.0.0.0", C.UNSPECIFIED),  # noqa: S104 (an address under test, not a bind)
    ("0.1.2.3", C.UNSPECIFIED),
    ("224.0.0.1", C.MULTICAST),
    ("239.255.255.250", C.MULTICAST),
    ("240.0.0.1", C.RESERVED),
    ("255.255.255.255", C.RESERVED),
    ("192.0.0.8", C.RESERVED),
    ("192.0.0.170", C.RESERVED),
    ("192.88.99.1", C.RESERVED),
    ("192.0.2.1", C.DOCUMENTATION),
    ("198.51.100.7", C.DOCUMENTATION),
    ("203.0.113.200", C.DOCUMENTATION),
    ("198.18.0.1", C.BENCHMARK),
    ("198.19.255.255", C.BENCHMARK),
    # IPv6
    ("2001:4860:4860::8888", C.GLOBAL),
    ("2606:4700:4700::1111", C.GLOBAL),
    ("2001:20::1", C.GLOBAL),  # ORCHIDv2, inside the IETF block
    ("::1", C.LOOPBACK),
    ("::", C.UNSPECIFIED),
    ("fe80::1", C.LINK_LOCAL),
    ("fc00::1", C.PRIVATE),
    ("fd12:3456:789a::1", C.PRIVATE),
    ("fd00:ec2::254", C.METADATA),
    ("ff02::1", C.MULTICAST),
    ("ff0e::1", C.MULTICAST),
    ("2001:db8::1", C.DOCUMENTATION),
    ("3fff::1", C.DOCUMENTATION),
    ("2001:2::1", C.BENCHMARK),
    ("5f00::1", C.RESERVED),
    ("100::1", C.RESERVED),
    ("2001:10::1", C.RESERVED),  # terminated ORCHID
    ("fec0::1", C.RESERVED),  # deprecated site-local
    ("4000::1", C.RESERVED),  # unallocated
    # IPv4 inside IPv6: judged by what they carry, or refused as a whole
    ("::ffff:127.0.0.1", C.LOOPBACK),
    ("::ffff:10.0.0.1", C.PRIVATE),
    ("::ffff:169.254.169.254", C.METADATA),
    ("::ffff:8.8.8.8", C.GLOBAL),
    ("::127.0.0.1", C.RESERVED),  # IPv4-compatible, deprecated
    ("::8.8.8.8", C.RESERVED),
    ("64:ff9b::7f00:1", C.LOOPBACK),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:5", C.PRIVATE),
    ("64:ff9b::a9fe:a9fe", C.METADATA),
    ("64:ff9b::808:808", C.GLOBAL),
    ("64:ff9b:1::a00:5", C.RESERVED),  # local-use NAT64
    ("2002:7f00:1::", C.TUNNEL),  # 6to4 of 127.0.0.1
    ("2002:a00:5::1", C.TUNNEL),
    ("2002:808:808::1", C.TUNNEL),  # even a public one
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", C.TUNNEL),  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize(("text", "klass"), CLASSES, ids=[text for text, _ in CLASSES])
def test_each_address_class(text: str, klass: AddressClass) -> None:
    address = ipaddress.ip_address(text)
    assert classify(address) is klass
    assert AddressPolicy().allows(address) is (klass is C.GLOBAL)
    opened = klass in {C.GLOBAL, C.LOOPBACK, C.PRIVATE, C.SHARED}
    assert AddressPolicy(allow_private=True).allows(address) is opened


def test_refusal_names_the_host_the_address_and_its_class() -> None:
    with pytest.raises(AddressRefused) as caught:
        AddressPolicy().check(ipaddress.ip_address("10.0.0.5"), host="calendar.example")
    assert str(caught.value) == (
        "calendar.example resolves to a private network address (10.0.0.5): "
        "this server does not fetch such addresses"
    )
    assert caught.value.operator_can_allow
    assert caught.value.status_code == 422


def test_an_address_in_the_url_is_named_as_such_with_what_it_carries() -> None:
    with pytest.raises(AddressRefused) as caught:
        AddressPolicy().check(ipaddress.ip_address("2002:7f00:1::"))
    assert str(caught.value) == (
        "the address 2002:7f00:1:: (it carries 127.0.0.1) is a 6to4 or Teredo tunnel "
        "address: this server never fetches such addresses"
    )


def test_metadata_stays_refused_when_private_networks_are_allowed() -> None:
    with pytest.raises(AddressRefused) as caught:
        AddressPolicy(allow_private=True).check(
            ipaddress.ip_address("169.254.169.254"), host="metadata.google.internal"
        )
    assert "cloud metadata service address (169.254.169.254)" in str(caught.value)
    assert "never fetches" in str(caught.value)
    assert not caught.value.operator_can_allow


def test_a_redirect_is_named_in_the_refusal() -> None:
    with pytest.raises(AddressRefused) as caught:
        AddressPolicy().check(
            ipaddress.ip_address("127.0.0.1"),
            host="internal.example",
            redirected_from="https://feeds.example/cal.ics",
        )
    assert str(caught.value).startswith(
        "after a redirect from https://feeds.example/cal.ics, internal.example resolves to "
        "a loopback address (127.0.0.1)"
    )


def test_a_mapped_address_is_dialled_as_the_ipv4_address_it_carries() -> None:
    assert dialable(ipaddress.ip_address("::ffff:8.8.8.8")) == ipaddress.ip_address("8.8.8.8")
    assert dialable(ipaddress.ip_address("2001:db8::1")) == ipaddress.ip_address("2001:db8::1")


# -- property: the table agrees with IANA's registries ---------------------------------


def _address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def _inside(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> st.SearchStrategy[IPAddress]:
    low, high = int(network.network_address), int(network.broadcast_address)
    return st.integers(low, high).map(lambda v: _address(network.version, v))


def _edges() -> list[IPAddress]:
    """First and last address of every block, and the addresses just outside."""
    edges: list[IPAddress] = []
    for network in [b.network for b in oracle.BLOCKS] + [
        *oracle.MULTICAST,
        oracle.GLOBAL_UNICAST_V6,
    ]:
        top = 2**network.max_prefixlen - 1
        low, high = int(network.network_address), int(network.broadcast_address)
        for value in (low - 1, low, high, high + 1):
            if 0 <= value <= top:
                edges.append(_address(network.version, value))
    edges.extend(oracle.METADATA)
    return edges


EDGES = _edges()
_ipv4 = st.ip_addresses(v=4)
_special = st.sampled_from([b.network for b in oracle.BLOCKS] + list(oracle.MULTICAST))

ADDRESSES: st.SearchStrategy[IPAddress] = st.one_of(
    st.ip_addresses(),  # hypothesis leans towards special-use ranges itself
    _special.flatmap(_inside),
    st.sampled_from(EDGES),
    # IPv4 inside IPv6: mapped, compatible, NAT64 (both prefixes), 6to4, Teredo
    _ipv4.map(lambda a: ipaddress.IPv6Address(f"::ffff:{a}")),
    _ipv4.map(lambda a: ipaddress.IPv6Address(int(a))),
    _ipv4.map(lambda a: ipaddress.IPv6Address(f"64:ff9b::{a}")),
    _ipv4.map(lambda a: ipaddress.IPv6Address(f"64:ff9b:1::{a}")),
    _ipv4.map(lambda a: ipaddress.IPv6Address((0x2002 << 112) | (int(a) << 80) | 1)),
    st.tuples(_ipv4, _ipv4).map(
        lambda p: ipaddress.IPv6Address(
            (0x2001 << 112) | (int(p[0]) << 64) | (int(p[1]) ^ 0xFFFF_FFFF)
        )
    ),
)


def test_every_block_edge_agrees_with_the_iana_registries() -> None:
    """Each block's first and last address and its neighbours outside, both policies:
    a block missing from (or extra in) the table fails here whatever hypothesis draws."""
    wrong = [
        (str(address), allow_private)
        for address in EDGES
        for allow_private in (False, True)
        if AddressPolicy(allow_private=allow_private).allows(address)
        is not oracle.fetchable(address, allow_private=allow_private)
    ]
    assert wrong == []


@given(address=ADDRESSES, allow_private=st.booleans())
@example(address=ipaddress.ip_address("64:ff9b::a9fe:a9fe"), allow_private=True)
@example(address=ipaddress.ip_address("::ffff:100.100.100.200"), allow_private=True)
@example(address=ipaddress.ip_address("2001:1::3"), allow_private=False)
def test_policy_agrees_with_the_iana_registries(address: IPAddress, allow_private: bool) -> None:
    expected = oracle.fetchable(address, allow_private=allow_private)
    policy = AddressPolicy(allow_private=allow_private)
    assert policy.allows(address) is expected, (address, classify(address))
    if not expected:
        with pytest.raises(AddressRefused) as caught:
            policy.check(address, host="calendar.example")
        assert f"({address}" in str(caught.value)


def test_the_registry_snapshot_holds_the_blocks_the_oracle_relies_on() -> None:
    # A truncated or mangled CSV would make the property test pass vacuously.
    names = {b.name for b in oracle.BLOCKS}
    assert len(oracle.BLOCKS) >= 50
    assert names >= oracle.LOCAL_BLOCK_NAMES
    anycast = oracle.registry_block(ipaddress.ip_address("192.0.0.9"))
    sixtofour = oracle.registry_block(ipaddress.ip_address("2002::1"))
    assert anycast is not None
    assert anycast.reachable is True
    assert sixtofour is not None
    assert sixtofour.reachable is None
