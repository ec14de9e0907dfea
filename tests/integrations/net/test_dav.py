"""The caldav library through a pinned session: a real Radicale server reached by a
"public" name, refusals before any request, and the session's redirect, credential,
size and time rules (against small sites on loopback)."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import niquests
import pytest

from integrations.net.dav import PinnedSession, dav_client
from integrations.net.errors import (
    AddressRefused,
    ConnectFailed,
    InvalidUrl,
    RedirectRefused,
    ResponseTooLarge,
    TimedOut,
    TlsFailed,
)
from integrations.net.fetch import Limits
from integrations.net.guard import AddressPolicy
from tests.integrations.net.network import PUBLIC, PUBLIC_2, FakeNetwork
from tests.integrations.net.servers import CertificateAuthority, Reply, Site, drip
from tests.servers import free_port


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Radicale on loopback with one calendar, ``/user/calendar/``; yields its port."""
    folder = tmp_path_factory.mktemp("radicale")
    port = free_port()
    config = folder / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {folder / 'data'}\n[rights]\ntype = owner_only\n"
    )
    log = (folder / "log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)], stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # polling another process until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"Radicale did not start: {(folder / 'log').read_text()}")
                time.sleep(0.05)
        setup = niquests.Session()
        base = f"http://127.0.0.1:{port}/user/"
        setup.request("MKCOL", base, auth=("user", "x"))
        assert (
            setup.request("MKCALENDAR", base + "calendar/", auth=("user", "x")).status_code == 201
        )
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def network() -> FakeNetwork:
    return FakeNetwork()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def test_caldav_talks_to_its_server_only_through_the_checked_address(
    network: FakeNetwork, radicale: int
) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, radicale, ("127.0.0.1", radicale))
    client = dav_client(
        f"http://dav.example:{radicale}/user/",
        AddressPolicy(),
        username="user",
        password="app-password",
        network=network,
    )
    calendars = client.principal().calendars()
    assert [str(c.url) for c in calendars] == [f"http://dav.example:{radicale}/user/calendar/"]
    assert network.lookups == ["dav.example"], "one resolution for the client's lifetime"
    assert set(network.dials) == {(PUBLIC, radicale)}


def test_caldav_to_a_private_server_is_refused_before_any_request(
    network: FakeNetwork, radicale: int
) -> None:
    network.dns["dav.example"] = ["127.0.0.1"]
    client = dav_client(
        f"http://dav.example:{radicale}/user/",
        AddressPolicy(),
        username="user",
        password="x",
        network=network,
    )
    with pytest.raises(AddressRefused, match=r"dav\.example resolves to a loopback address"):
        client.principal()
    assert network.dials == []


def test_caldav_on_the_operators_network_when_allowed(network: FakeNetwork, radicale: int) -> None:
    network.dns["nas.lan"] = ["127.0.0.1"]
    client = dav_client(
        f"http://nas.lan:{radicale}/user/",
        AddressPolicy(allow_private=True),
        username="user",
        password="x",
        network=network,
    )
    assert len(client.principal().calendars()) == 1


def test_caldav_rebinding_cannot_move_a_client_to_loopback(
    network: FakeNetwork, radicale: int
) -> None:
    network.dns["dav.example"] = [[PUBLIC], ["127.0.0.1"]]
    network.play(PUBLIC, radicale, ("127.0.0.1", radicale))
    url = f"http://dav.example:{radicale}/user/"
    first = dav_client(url, AddressPolicy(), username="user", password="x", network=network)
    for _ in range(3):  # many requests, one answer: the one that was checked
        first.principal().calendars()
    assert network.lookups == ["dav.example"]
    second = dav_client(url, AddressPolicy(), username="user", password="x", network=network)
    with pytest.raises(AddressRefused):
        second.principal()
    assert ("127.0.0.1", radicale) not in network.dials


def test_dav_client_urls_follow_the_url_rules() -> None:
    with pytest.raises(InvalidUrl, match="user name or password"):
        dav_client("https://user:pw@dav.example/", AddressPolicy())
    with pytest.raises(InvalidUrl, match="http:// or https://"):
        dav_client("dav.example", AddressPolicy())  # a bare domain would start RFC 6764 discovery
    with pytest.raises(TypeError, match="sets proxy itself"):
        dav_client("https://dav.example/", AddressPolicy(), proxy="http://10.0.0.1:3128")


# -- the session's rules, against small sites ------------------------------------------


def session(network: FakeNetwork, **limits: float) -> PinnedSession:
    return PinnedSession(AddressPolicy(), network=network, limits=Limits(**limits))


def test_a_redirect_to_a_private_address_is_refused(network: FakeNetwork, site: Site) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    site.pages["/.well-known/caldav"] = lambda _: Reply(
        301, {"Location": f"http://127.0.0.1:{site.port}/dav/"}
    )
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        session(network).request("PROPFIND", "http://dav.example/.well-known/caldav")
    assert [s.path for s in site.seen] == ["/.well-known/caldav"]


def test_too_many_redirects_are_refused(network: FakeNetwork, site: Site) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    for hop in range(8):
        site.pages[f"/r{hop}"] = lambda _, n=hop: Reply(302, {"Location": f"/r{n + 1}"})
    with pytest.raises(RedirectRefused, match="more than 5 times"):
        session(network).get("http://dav.example/r0")
    assert len(site.seen) <= 6


def test_credentials_are_not_sent_to_another_origin(network: FakeNetwork, site: Site) -> None:
    other = Site()
    try:
        network.dns.update({"dav.example": [PUBLIC], "elsewhere.example": [PUBLIC_2]})
        network.play(PUBLIC, 80, site.address)
        network.play(PUBLIC_2, 80, other.address)
        site.pages["/dav/"] = lambda _: Reply(302, {"Location": "http://elsewhere.example/dav/"})
        challenge = 'Digest realm="x", nonce="chosen-by-the-other-host", qop="auth"'
        other.pages["/dav/"] = lambda _: Reply(401, {"WWW-Authenticate": challenge})

        session(network).get("http://dav.example/dav/", auth=("ada", "app-password"))
        assert site.seen[0].headers["authorization"].startswith("Basic ")
        assert "authorization" not in other.seen[0].headers

        # Digest answers a 401 by itself; the other host must not get that answer.
        other.seen.clear()
        digest = niquests.auth.HTTPDigestAuth("ada", "app-password")
        session(network).get("http://dav.example/dav/", auth=digest)
        assert [s.headers.get("authorization") for s in other.seen] == [None]
    finally:
        other.close()


def test_environment_proxies_are_ignored(
    network: FakeNetwork, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(variable, "http://10.9.9.9:3128")
    monkeypatch.setenv("NIQUESTS_DNS_URL", "doh+google://")
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    site.pages["/dav/"] = lambda _: Reply(207, body=b"<multistatus/>")
    assert session(network).request("PROPFIND", "http://dav.example/dav/").status_code == 207
    assert network.dials == [(PUBLIC, 80)]


def test_bodies_stop_at_the_size_limit(network: FakeNetwork, site: Site) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    site.pages["/declared"] = lambda _: Reply(body=b"x" * 4096)
    site.pages["/streamed"] = lambda _: Reply(body=iter([b"x" * 1024] * 64))
    site.pages["/fits"] = lambda _: Reply(body=iter([b"x" * 512] * 2))
    client = session(network, max_bytes=2048)
    with pytest.raises(ResponseTooLarge, match="sends more than 2048 bytes"):
        client.request("PROPFIND", "http://dav.example/declared")
    with pytest.raises(ResponseTooLarge):
        client.request("REPORT", "http://dav.example/streamed")
    assert client.get("http://dav.example/fits").content == b"x" * 1024


def test_a_compression_bomb_stops_at_the_limit(network: FakeNetwork, site: Site) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    bomb = gzip.compress(b"<x/>" * (5 * 1024 * 1024))
    site.pages["/bomb"] = lambda _: Reply(headers={"Content-Encoding": "gzip"}, body=bomb)
    with pytest.raises(ResponseTooLarge):
        session(network, max_bytes=1024 * 1024).request("REPORT", "http://dav.example/bomb")


def test_a_trickling_body_is_cut_off(network: FakeNetwork, site: Site) -> None:
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, site.address)
    site.pages["/slow"] = lambda _: Reply(body=drip(1000, every=0.02))
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"within 0\.5 seconds"):
        session(network, total_timeout=0.5).request("REPORT", "http://dav.example/slow")
    assert time.monotonic() - started < 5


def test_a_closed_port_is_a_connect_failure(network: FakeNetwork) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    network.dns["dav.example"] = [PUBLIC]
    network.play(PUBLIC, 80, ("127.0.0.1", port))
    with pytest.raises(ConnectFailed, match="refused"):
        session(network).get("http://dav.example/")


def test_tls_is_verified_against_the_host_name(network: FakeNetwork, tmp_path: Path) -> None:
    ca = CertificateAuthority(tmp_path)
    secure = Site(
        {"/dav/": lambda _: Reply(207, body=b"<multistatus/>")},
        tls=ca.server_context("dav.example"),
    )
    try:
        network.dns.update({"dav.example": [PUBLIC], "impostor.example": [PUBLIC]})
        network.play(PUBLIC, 443, secure.address)
        client = session(network)
        answer = client.request("PROPFIND", "https://dav.example/dav/", verify=str(ca.pem))
        assert answer.status_code == 207
        with pytest.raises(TlsFailed):
            client.request("PROPFIND", "https://impostor.example/dav/", verify=str(ca.pem))

        secure.pages["/down"] = lambda _: Reply(302, {"Location": "http://dav.example/dav/"})
        with pytest.raises(RedirectRefused, match="from https to plain http"):
            client.get("https://dav.example/down", verify=str(ca.pem), auth=("ada", "pw"))
    finally:
        secure.close()
