"""An independent judge of which addresses may be fetched, built from IANA's own
special-purpose registries (the CSV files in ``iana/``) rather than from the table
in integrations/net/guard.py.

The registries say which blocks are "globally reachable"; the few rules added here
are the policy's, restated: IPv6 outside 2000::/3 is unallocated (IPv6 address
space registry), multicast is never a server, an IPv4-mapped or NAT64 address is
judged by the IPv4 address it carries, metadata services are never fetched, and
``allow_private`` opens exactly the blocks IANA names Private-Use, Shared Address
Space, Loopback and Unique-Local.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from integrations.net.guard import IPAddress

_HERE = Path(__file__).parent / "iana"

MULTICAST = (ipaddress.ip_network("224.0.0.0/4"), ipaddress.ip_network("ff00::/8"))
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOCAL_BLOCK_NAMES = frozenset(
    {"Private-Use", "Shared Address Space", "Loopback", "Loopback Address", "Unique-Local"}
)
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "169.254.170.23",
        "169.254.0.23",
        "100.100.100.200",
        "168.63.129.16",
        "fd00:ec2::254",
        "fd00:ec2::23",
    )
)


@dataclass(frozen=True)
class Block:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    #: IANA's "Globally Reachable": True, False, or None for N/A and terminated blocks.
    reachable: bool | None


def _clean(cell: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", cell).strip()


def _blocks(filename: str) -> tuple[Block, ...]:
    with (_HERE / filename).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    blocks = []
    for row in rows:
        reachable = {"True": True, "False": False}.get(_clean(row["Globally Reachable"]))
        for cell in _clean(row["Address Block"]).split(","):
            blocks.append(Block(ipaddress.ip_network(cell.strip()), row["Name"], reachable))
    return tuple(blocks)


BLOCKS = _blocks("iana-ipv4-special-registry-1.csv") + _blocks("iana-ipv6-special-registry-1.csv")


def registry_block(address: IPAddress) -> Block | None:
    """The most specific registry block holding ``address``."""
    holding = [b for b in BLOCKS if b.network.version == address.version and address in b.network]
    return max(holding, key=lambda b: b.network.prefixlen, default=None)


def fetchable(address: IPAddress, *, allow_private: bool) -> bool:
    if address in METADATA:
        return False
    if isinstance(address, ipaddress.IPv6Address) and (address in MAPPED or address in NAT64):
        carried = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        return fetchable(carried, allow_private=allow_private)
    if any(address in m for m in MULTICAST if m.version == address.version):
        return False
    block = registry_block(address)
    if block is not None:
        if block.reachable is True:
            return True
        return allow_private and block.name in LOCAL_BLOCK_NAMES
    if isinstance(address, ipaddress.IPv6Address):
        return address in GLOBAL_UNICAST_V6
    return True
