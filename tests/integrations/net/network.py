"""A make-believe internet on loopback: names resolve to the answers a test scripts,
and "public" addresses are routed to real sockets on 127.0.0.1. No test touches
real DNS or leaves the machine: dialling an address nobody routed fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from integrations.net.errors import ResolutionFailed
from integrations.net.guard import IPAddress

#: Public addresses to pretend with (never dialled for real: see FakeNetwork.route).
PUBLIC = "93.184.215.14"
PUBLIC_2 = "151.101.1.69"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


class LeftTheMachine(AssertionError):
    """The code under test tried to dial an address no test routed."""


@dataclass
class FakeNetwork:
    #: name -> its answers; a list of lists answers each lookup with the next one
    #: (the last one repeats), which is how a rebinding DNS server behaves.
    dns: dict[str, list[str] | list[list[str]]] = field(default_factory=dict)
    #: (public address, port) -> the loopback socket address that plays it.
    routes: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    dials: list[tuple[str, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, host: str, port: int) -> Sequence[str]:
        with self._lock:
            self.lookups.append(host)
            answers = self.dns.get(host)
            if not answers:
                raise ResolutionFailed(f"{host} does not resolve (not in the test's DNS)")
            if isinstance(answers[0], list):
                count = self.lookups.count(host)
                script: list[list[str]] = answers  # type: ignore[assignment]
                return script[min(count, len(script)) - 1]
            return list(answers)  # type: ignore[arg-type]

    def route(self, address: IPAddress, port: int) -> tuple[str, int]:
        with self._lock:
            self.dials.append((str(address), port))
        routed = self.routes.get((str(address), port))
        if routed is not None:
            return routed
        if address.is_loopback:
            return str(address), port
        raise LeftTheMachine(f"the code dialled {address}:{port}, which no test routed")

    def play(self, address: str, port: int, server: tuple[str, int]) -> None:
        """Let the loopback server at ``server`` answer for ``address:port``."""
        self.routes[(address, port)] = server
