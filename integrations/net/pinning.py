"""Resolve a host name once, check every answer, and dial only what passed.

DNS rebinding is the reason this exists: a check that resolves a name and a client
that resolves it again to connect can get two different answers (a public address
for the check, 127.0.0.1 a second later). Here the check and the connection share
one resolution: :class:`Pinner` remembers the checked addresses of every name for
its lifetime (one fetch, one CalDAV session), and the HTTP clients (:mod:`.fetch`,
:mod:`.dav`) connect to those and nothing else.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Sequence
from typing import Protocol

from integrations.net.errors import ResolutionFailed
from integrations.net.guard import AddressPolicy, IPAddress, dialable
from integrations.net.urls import host_address

__all__ = ["Network", "Pinner", "SystemNetwork"]


class Network(Protocol):
    """How names become addresses and addresses become sockets. The system's in
    production; tests swap in their own, so that no test touches real DNS and a
    "public" address can be a socket on loopback."""

    def resolve(self, host: str, port: int) -> Sequence[str]:
        """The addresses ``host`` resolves to, in the order to try them; raise
        :class:`ResolutionFailed` when there are none."""
        ...

    def route(self, address: IPAddress, port: int) -> tuple[str, int]:
        """The socket address that reaches ``(address, port)``: itself, but in tests."""
        ...


class SystemNetwork:
    """``getaddrinfo`` (hosts file, DNS, whatever the system uses). Its own timeout is
    the resolver's (``/etc/resolv.conf``: 5 s per try by default), not the fetch's."""

    def resolve(self, host: str, port: int) -> Sequence[str]:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise ResolutionFailed(f"{host} does not resolve ({reason})") from None
        # getaddrinfo sorts by RFC 6724 preference; keep that order, once each.
        return list(dict.fromkeys(str(info[4][0]) for info in answers))

    def route(self, address: IPAddress, port: int) -> tuple[str, int]:
        return str(address), port


class Pinner:
    """The checked addresses of each host name, resolved once.

    A name with any refused answer is refused as a whole, even when other answers
    are public: which answer a client tries first is not ours to predict, and a
    name that points into a private network is not a calendar server's anyway.
    """

    def __init__(self, policy: AddressPolicy, network: Network) -> None:
        self.policy = policy
        self.network = network
        self._pins: dict[str, tuple[IPAddress, ...]] = {}
        self._lock = threading.Lock()

    def addresses(
        self, host: str, port: int, *, redirected_from: str | None = None
    ) -> tuple[IPAddress, ...]:
        """The addresses to dial for ``host``, in order. Raises :class:`AddressRefused`
        (with ``redirected_from`` in its message) or :class:`ResolutionFailed`."""
        literal = host_address(host)
        if literal is not None:
            self.policy.check(literal, redirected_from=redirected_from)
            return (dialable(literal),)
        key = host.lower().removesuffix(".")
        with self._lock:
            pinned = self._pins.get(key)
            if pinned is None:
                pinned = self._resolve(key, port, redirected_from)
                self._pins[key] = pinned
        return pinned

    def _resolve(self, host: str, port: int, redirected_from: str | None) -> tuple[IPAddress, ...]:
        addresses: list[IPAddress] = []
        for answer in self.network.resolve(host, port):
            try:
                # A scope (fe80::1%eth0) only says which interface; the address decides.
                address = ipaddress.ip_address(answer.partition("%")[0])
            except ValueError:
                raise ResolutionFailed(f"{host} resolves to '{answer}', not an address") from None
            self.policy.check(address, host=host, redirected_from=redirected_from)
            addresses.append(dialable(address))
        if not addresses:
            raise ResolutionFailed(f"{host} does not resolve to any address")
        return tuple(dict.fromkeys(addresses))
