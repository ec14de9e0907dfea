"""Which IP addresses a user-supplied URL may make this server connect to.

Pure: no DNS, no sockets. :class:`AddressPolicy` judges one address; the resolver in
:mod:`.pinning` feeds it every address a host name resolves to, and the connection
goes only to addresses it passed.

The tables below are transcribed from IANA's special-purpose address registries
(IPv4 and IPv6, https://www.iana.org/assignments/iana-ipv4-special-registry/,
https://www.iana.org/assignments/iana-ipv6-special-registry/, as of 2026-07). The
tests check them against the registries' own CSV files, so an added block shows up
as a failing test once the CSV is refreshed.

Python's ``ipaddress.is_global`` is not enough on its own. On Python 3.11.7 it calls
these global: IPv4-compatible IPv6 (``::127.0.0.1``), every 6to4 address
(``2002:7f00:1::`` carries 127.0.0.1), NAT64 with a private IPv4 inside
(``64:ff9b::a00:5``), the local-use NAT64 block ``64:ff9b:1::/48``, 192.0.0.8,
``3fff::/20`` (documentation since 2024), ``5f00::/16`` (SRv6), the deprecated
site-local ``fec0::/10``, unallocated IPv6 outside ``2000::/3`` and every multicast
address; and it calls ORCHIDv2 and AMT not global, which IANA says are. Its
answers also change between patch releases. Hence our own table.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from typing import Final

from integrations.net.errors import AddressRefused

__all__ = [
    "AddressClass",
    "AddressPolicy",
    "IPAddress",
    "classify",
    "dialable",
    "embedded_ipv4",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressClass(enum.Enum):
    """Why an address is (not) fetched. The value reads inside a sentence."""

    GLOBAL = "a public internet address"
    LOOPBACK = "a loopback address"
    PRIVATE = "a private network address"
    SHARED = "a shared (carrier-grade NAT) address"
    LINK_LOCAL = "a link-local address"
    METADATA = "a cloud metadata service address"
    MULTICAST = "a multicast address"
    UNSPECIFIED = "an unspecified address"
    DOCUMENTATION = "an address reserved for documentation"
    BENCHMARK = "an address reserved for benchmarking"
    TUNNEL = "a 6to4 or Teredo tunnel address"
    RESERVED = "a reserved address"


#: What ``ALLOW_PRIVATE_URLS=on`` opens: the addresses of the operator's own machine
#: and networks, where self-hosters run their CalDAV server (a LAN, a VPN such as
#: Tailscale in 100.64/10). Link-local stays closed: cloud metadata services live
#: there, and nobody reaches a calendar server by its fe80:: or 169.254 address.
_LOCAL_NETWORKS: Final = frozenset(
    {AddressClass.LOOPBACK, AddressClass.PRIVATE, AddressClass.SHARED}
)

#: Instance metadata and platform endpoints: they hand out cloud credentials to
#: anyone on the machine, so no setting opens them. Several sit outside link-local:
#: Alibaba's in 100.64/10, AWS's IPv6 ones in fd00::/8, Azure's WireServer in
#: public space (it answers only from inside Azure).
_METADATA: Final[frozenset[IPAddress]] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle ...
        "169.254.170.2",  # AWS ECS task credentials
        "169.254.170.23",  # AWS EKS pod identity
        "169.254.0.23",  # Tencent Cloud
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::23",  # AWS EKS pod identity over IPv6
    )
)


def _table(*rows: tuple[str, AddressClass]) -> tuple[tuple[_Network, AddressClass], ...]:
    # Most specific first, so the first match is the registry's own answer for
    # blocks nested in others (192.0.0.9/32 inside 192.0.0.0/24).
    networks = [(ipaddress.ip_network(block), klass) for block, klass in rows]
    return tuple(sorted(networks, key=lambda row: -row[0].prefixlen))


_G, _R = AddressClass.GLOBAL, AddressClass.RESERVED

_IPV4: Final = _table(
    ("0.0.0.0/8", AddressClass.UNSPECIFIED),  # "this network"; 0.0.0.0 reaches this host
    ("10.0.0.0/8", AddressClass.PRIVATE),
    ("100.64.0.0/10", AddressClass.SHARED),
    ("127.0.0.0/8", AddressClass.LOOPBACK),
    ("169.254.0.0/16", AddressClass.LINK_LOCAL),
    ("172.16.0.0/12", AddressClass.PRIVATE),
    ("192.0.0.0/24", _R),  # IETF protocol assignments, DS-Lite, dummy, NAT64 discovery
    ("192.0.0.9/32", _G),  # PCP anycast
    ("192.0.0.10/32", _G),  # TURN anycast
    ("192.0.2.0/24", AddressClass.DOCUMENTATION),
    ("192.88.99.0/24", _R),  # deprecated 6to4 relay anycast (RFC 7526), 6a44 relay
    ("192.168.0.0/16", AddressClass.PRIVATE),
    ("198.18.0.0/15", AddressClass.BENCHMARK),
    ("198.51.100.0/24", AddressClass.DOCUMENTATION),
    ("203.0.113.0/24", AddressClass.DOCUMENTATION),
    ("224.0.0.0/4", AddressClass.MULTICAST),
    ("240.0.0.0/4", _R),  # reserved, and 255.255.255.255 (broadcast) inside it
)

_IPV6: Final = _table(
    ("::/128", AddressClass.UNSPECIFIED),
    ("::1/128", AddressClass.LOOPBACK),
    ("64:ff9b:1::/48", _R),  # local-use NAT64 (RFC 8215): translates to anything
    ("100::/64", _R),  # discard-only
    ("2001::/23", _R),  # IETF protocol assignments, except the global ones below
    ("2001:1::1/128", _G),  # PCP anycast
    ("2001:1::2/128", _G),  # TURN anycast
    ("2001:1::3/128", _G),  # DNS-SD SRP anycast
    ("2001:3::/32", _G),  # AMT
    ("2001:4:112::/48", _G),  # AS112-v6
    ("2001:20::/28", _G),  # ORCHIDv2
    ("2001:30::/28", _G),  # drone remote ID
    # Teredo and 6to4 carry an IPv4 address the tunnel delivers to; IANA calls their
    # reachability "N/A". Both are deprecated in practice, so neither is dialled,
    # whatever IPv4 they carry.
    ("2001::/32", AddressClass.TUNNEL),
    ("2002::/16", AddressClass.TUNNEL),
    ("2001:2::/48", AddressClass.BENCHMARK),
    ("2001:db8::/32", AddressClass.DOCUMENTATION),
    ("3fff::/20", AddressClass.DOCUMENTATION),
    ("5f00::/16", _R),  # SRv6 segment identifiers
    ("fc00::/7", AddressClass.PRIVATE),  # unique local
    ("fe80::/10", AddressClass.LINK_LOCAL),
    ("ff00::/8", AddressClass.MULTICAST),
)

_GLOBAL_UNICAST: Final = ipaddress.IPv6Network("2000::/3")
# RFC 6052's well-known prefix: a NAT64 gateway dials the IPv4 address in the last
# 32 bits, so that address is what gets judged.
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")


def dialable(address: IPAddress) -> IPAddress:
    """The address a socket really reaches: the IPv4 one inside an IPv4-mapped address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def classify(address: IPAddress) -> AddressClass:
    """The class of ``address``, judging the IPv4 address a mapping or NAT64 carries."""
    if address in _METADATA:
        return AddressClass.METADATA
    if isinstance(address, ipaddress.IPv4Address):
        return _lookup(address, _IPV4) or AddressClass.GLOBAL
    if address.ipv4_mapped is not None:
        return classify(address.ipv4_mapped)
    if address in _NAT64:
        return classify(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
    klass = _lookup(address, _IPV6)
    if klass is not None:
        return klass
    # Only 2000::/3 is allocated for global unicast; the rest of the IPv6 space is
    # reserved by the IETF (the IPv4-compatible ::/96 and site-local fec0::/10 too).
    return AddressClass.GLOBAL if address in _GLOBAL_UNICAST else AddressClass.RESERVED


def _lookup(
    address: IPAddress, table: tuple[tuple[_Network, AddressClass], ...]
) -> AddressClass | None:
    for network, klass in table:
        if address in network:
            return klass
    return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4,
    Teredo's server), for messages that say what an odd address really points at."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client, the host the tunnel ends at
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses only, unless the operator allows their own networks too.

    ``allow_private`` comes from ``ALLOW_PRIVATE_URLS`` (web/settings.py): tests, the
    demo, and self-hosters whose CalDAV server is on their LAN. Even then loopback,
    RFC 1918, unique-local and 100.64/10 are the only additions: metadata services,
    link-local, multicast, reserved, documentation and tunnel addresses stay closed.
    """

    allow_private: bool = False

    def allows(self, address: IPAddress) -> bool:
        klass = classify(address)
        return klass is AddressClass.GLOBAL or (self.allow_private and klass in _LOCAL_NETWORKS)

    def check(
        self, address: IPAddress, *, host: str | None = None, redirected_from: str | None = None
    ) -> None:
        """Raise :class:`AddressRefused` unless ``address`` may be dialled. ``host`` is the
        name it was resolved from; ``None`` when the URL held the address itself."""
        if self.allows(address):
            return
        klass = classify(address)
        raise AddressRefused(
            host=host,
            address=str(address),
            reason=klass.value,
            embedded=_str_or_none(embedded_ipv4(address)),
            operator_can_allow=klass in _LOCAL_NETWORKS,
            redirected_from=redirected_from,
        )


def _str_or_none(address: ipaddress.IPv4Address | None) -> str | None:
    return None if address is None else str(address)
