"""Fetching a user-supplied URL: pinned to checked addresses (DNS rebinding
included), redirects, time and size limits, conditional GET, TLS by host name.

Every server here is a real socket on 127.0.0.1; "public" addresses are routed to
them by tests/integrations/net/network.py, so nothing touches real DNS or the
internet, and the address policy under test is the production one.
"""

from __future__ import annotations

import gzip
import itertools
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.net.errors import (
    AddressRefused,
    BadResponse,
    ConnectFailed,
    HttpStatusError,
    InvalidUrl,
    RedirectRefused,
    ResolutionFailed,
    ResponseTooLarge,
    TimedOut,
    TlsFailed,
)
from integrations.net.fetch import Fetcher, Limits
from integrations.net.guard import AddressPolicy
from tests.integrations.net.network import PUBLIC, PUBLIC_2, PUBLIC_V6, FakeNetwork
from tests.integrations.net.servers import (
    CertificateAuthority,
    Reply,
    Seen,
    Silent,
    Site,
    Unreachable,
    drip,
)

FEED = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def network() -> FakeNetwork:
    return FakeNetwork()


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site({"/feed.ics": lambda _: Reply(body=FEED)})
    yield server
    server.close()


@pytest.fixture
def other_site() -> Iterator[Site]:
    server = Site()
    yield server
    server.close()


def fetcher(network: FakeNetwork, *, allow_private: bool = False, **limits: float) -> Fetcher:
    return Fetcher(
        AddressPolicy(allow_private=allow_private), network=network, limits=Limits(**limits)
    )


def publish(
    network: FakeNetwork, name: str, address: str, server: Site | int, port: int = 80
) -> None:
    """``name`` resolves to the public ``address``, whose ``port`` is played by
    ``server`` (a site, or the port of another socket on loopback)."""
    network.dns[name] = [address]
    network.play(
        address, port, server.address if isinstance(server, Site) else ("127.0.0.1", server)
    )


# -- pinning ----------------------------------------------------------------------------


def test_a_public_name_is_fetched_from_the_address_that_was_checked(
    network: FakeNetwork, site: Site
) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    fetched = fetcher(network).get("http://feeds.example/feed.ics", accept="text/calendar")
    assert fetched.body == FEED
    assert fetched.status == 200
    assert fetched.url == "http://feeds.example/feed.ics"
    assert network.lookups == ["feeds.example"]
    assert network.dials == [(PUBLIC, 80)]
    (request,) = site.seen
    assert request.headers["host"] == "feeds.example"
    assert request.headers["accept"] == "text/calendar"
    assert request.headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    "answer",
    [
        "10.0.0.5",
        "172.20.1.1",
        "192.168.1.10",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an answer under test)
        "224.0.0.1",
        "::1",
        "fd00::5",
        "fe80::1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:5",
        "2002:7f00:1::",
        "2001:db8::1",
    ],
)
def test_a_name_that_resolves_to_a_refused_address_is_never_dialled(
    network: FakeNetwork, answer: str
) -> None:
    network.dns["calendar.example"] = [answer]
    with pytest.raises(AddressRefused) as caught:
        fetcher(network).get("https://calendar.example/dav/")
    assert str(caught.value).startswith("calendar.example resolves to ")
    assert network.dials == []


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0x7f000001/",
        "http://017700000001/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://0/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://0xa9.254.43518/",  # 169.254.169.254
        "http://10.0.0.5:8080/",
    ],
)
def test_an_address_written_into_the_url_is_checked_without_dns(
    network: FakeNetwork, url: str
) -> None:
    with pytest.raises(AddressRefused) as caught:
        fetcher(network).get(url)
    assert str(caught.value).startswith("the address ")
    assert network.lookups == []
    assert network.dials == []


def test_one_refused_answer_refuses_the_whole_name(network: FakeNetwork, site: Site) -> None:
    network.dns["mixed.example"] = [PUBLIC, "10.0.0.5"]
    network.play(PUBLIC, 80, site.address)
    with pytest.raises(AddressRefused, match=r"\(10\.0\.0\.5\)"):
        fetcher(network).get("http://mixed.example/feed.ics")
    assert site.seen == []


def test_each_checked_address_is_tried_in_order(network: FakeNetwork, site: Site) -> None:
    closed = Silent()
    closed.close()  # nothing listens there any more: connection refused
    network.dns["dual.example"] = [PUBLIC_V6, PUBLIC]
    network.play(PUBLIC_V6, 80, ("127.0.0.1", closed.port))
    network.play(PUBLIC, 80, site.address)
    assert fetcher(network).get("http://dual.example/feed.ics").body == FEED
    assert network.dials == [(PUBLIC_V6, 80), (PUBLIC, 80)]


def test_dns_rebinding_cannot_reach_loopback(network: FakeNetwork, site: Site) -> None:
    """The first answer is public, every later one is 127.0.0.1, where an internal
    service listens on the same port. A client that checks one answer and connects
    with another would reach it; this one connects only to what it checked."""
    secret = Reply(body=b"internal secrets")
    internal = Site({"/start": lambda _: secret, "/feed.ics": lambda _: secret})
    try:
        port = internal.port
        network.dns["rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
        network.play(PUBLIC, port, site.address)
        # A redirect on a closed connection makes the client connect a second time.
        site.pages["/start"] = lambda _: Reply(
            302, {"Location": "/feed.ics", "Connection": "close"}
        )
        fetched = fetcher(network).get(f"http://rebind.example:{port}/start")
        assert fetched.body == FEED
        assert network.lookups == ["rebind.example"], "resolved once per fetch"
        assert network.dials == [(PUBLIC, port), (PUBLIC, port)]

        # The next fetch resolves afresh, gets 127.0.0.1, and is refused before dialling.
        with pytest.raises(AddressRefused, match=r"loopback address \(127\.0\.0\.1\)"):
            fetcher(network).get(f"http://rebind.example:{port}/feed.ics")
        assert internal.seen == []
        assert (("127.0.0.1", port)) not in network.dials
    finally:
        internal.close()


def test_private_targets_are_fetched_when_the_operator_allows_them(
    network: FakeNetwork, site: Site
) -> None:
    network.dns["nas.lan"] = ["127.0.0.1"]
    fetched = fetcher(network, allow_private=True).get(f"http://nas.lan:{site.port}/feed.ics")
    assert fetched.body == FEED


def test_metadata_stays_refused_when_the_operator_allows_private_targets(
    network: FakeNetwork,
) -> None:
    network.dns["metadata.google.internal"] = ["169.254.169.254"]
    with pytest.raises(AddressRefused, match="never fetches"):
        fetcher(network, allow_private=True).get("http://metadata.google.internal/computeMetadata/")
    with pytest.raises(AddressRefused, match="cloud metadata"):
        fetcher(network, allow_private=True).get("http://[fd00:ec2::254]/latest/")
    assert network.dials == []


def test_an_unknown_name_and_a_closed_port_are_told_apart(network: FakeNetwork) -> None:
    with pytest.raises(ResolutionFailed, match=r"nowhere\.example does not resolve"):
        fetcher(network).get("https://nowhere.example/feed.ics")
    closed = Silent()
    closed.close()
    publish(network, "down.example", PUBLIC, closed.port)
    with pytest.raises(ConnectFailed, match=r"could not connect to down\.example:80 \(.*refused"):
        fetcher(network).get("http://down.example/feed.ics")


def test_urls_are_checked_before_anything_is_resolved(network: FakeNetwork) -> None:
    for url in ("ftp://feeds.example/", "https://u:p@feeds.example/", "https://feeds.example:25/"):
        with pytest.raises(InvalidUrl):
            fetcher(network).get(url)
    assert network.lookups == []


# -- redirects --------------------------------------------------------------------------


def test_a_redirect_to_a_private_address_is_refused(network: FakeNetwork, site: Site) -> None:
    internal = Site({"/": lambda _: Reply(body=b"internal")})
    try:
        publish(network, "feeds.example", PUBLIC, site)
        site.pages["/to-literal"] = lambda _: Reply(
            302, {"Location": f"http://127.0.0.1:{internal.port}/"}
        )
        with pytest.raises(AddressRefused) as caught:
            fetcher(network).get("http://feeds.example/to-literal")
        assert str(caught.value).startswith(
            "after a redirect from http://feeds.example, the address 127.0.0.1 "
            "is a loopback address"
        )

        network.dns["internal.example"] = ["192.168.0.10"]
        site.pages["/to-name"] = lambda _: Reply(301, {"Location": "https://internal.example/x"})
        with pytest.raises(AddressRefused, match=r"internal\.example resolves to a private"):
            fetcher(network).get("http://feeds.example/to-name")
        assert internal.seen == []
    finally:
        internal.close()


def test_a_redirect_to_another_public_host_is_checked_and_followed(
    network: FakeNetwork, site: Site, other_site: Site
) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    publish(network, "cdn.example", PUBLIC_2, other_site)
    site.pages["/moved.ics"] = lambda _: Reply(301, {"Location": "http://cdn.example/feed.ics"})
    other_site.pages["/feed.ics"] = lambda _: Reply(body=FEED)
    fetched = fetcher(network).get("http://feeds.example/moved.ics")
    assert (fetched.url, fetched.body) == ("http://cdn.example/feed.ics", FEED)
    assert network.lookups == ["feeds.example", "cdn.example"]


def test_five_redirects_are_followed_and_a_sixth_is_not(network: FakeNetwork, site: Site) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    for hop in range(6):
        site.pages[f"/r{hop}"] = lambda _, n=hop: Reply(302, {"Location": f"/r{n + 1}"})
    site.pages["/r6"] = lambda _: Reply(body=FEED)
    assert fetcher(network).get("http://feeds.example/r1").body == FEED  # r1 -> ... -> r6
    site.seen.clear()
    with pytest.raises(RedirectRefused, match="redirects more than 5 times"):
        fetcher(network).get("http://feeds.example/r0")
    assert len(site.seen) == 6


def test_credentials_stay_with_their_origin(
    network: FakeNetwork, site: Site, other_site: Site
) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    publish(network, "cdn.example", PUBLIC_2, other_site)
    site.pages["/private.ics"] = lambda _: Reply(302, {"Location": "/still-here.ics"})
    site.pages["/still-here.ics"] = lambda _: Reply(302, {"Location": "http://cdn.example/f"})
    other_site.pages["/f"] = lambda _: Reply(body=FEED)
    fetcher(network).get("http://feeds.example/private.ics", auth=("ada", "app-password"))
    assert [s.headers.get("authorization", "")[:6] for s in site.seen] == ["Basic ", "Basic "]
    assert "authorization" not in other_site.seen[0].headers


def test_a_redirect_to_an_unusable_address_is_refused(network: FakeNetwork, site: Site) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    site.pages["/ftp"] = lambda _: Reply(302, {"Location": "ftp://feeds.example/f"})
    site.pages["/creds"] = lambda _: Reply(302, {"Location": "http://u:p@feeds.example/f"})
    site.pages["/nowhere"] = lambda _: Reply(302)
    for path in ("/ftp", "/creds"):
        with pytest.raises(RedirectRefused, match="redirects to an unusable address"):
            fetcher(network).get(f"http://feeds.example{path}")
    with pytest.raises(BadResponse, match="without a Location"):
        fetcher(network).get("http://feeds.example/nowhere")


# -- TLS --------------------------------------------------------------------------------


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path)


def test_tls_verifies_the_host_name_while_pinned_to_loopback(
    network: FakeNetwork, ca: CertificateAuthority
) -> None:
    secure = Site(
        {"/feed.ics": lambda _: Reply(body=FEED)}, tls=ca.server_context("calendar.example")
    )
    try:
        network.dns["calendar.example"] = ["127.0.0.1"]
        trusted = Fetcher(
            AddressPolicy(allow_private=True), network=network, ssl_context=ca.client_context()
        )
        fetched = trusted.get(f"https://calendar.example:{secure.port}/feed.ics")
        assert fetched.body == FEED
        assert network.dials == [("127.0.0.1", secure.port)]
        assert secure.seen[0].headers["host"] == f"calendar.example:{secure.port}"

        # The same socket, reached by another name its certificate does not carry.
        network.dns["impostor.example"] = ["127.0.0.1"]
        with pytest.raises(TlsFailed, match=r"certificate of impostor\.example .*mismatch"):
            trusted.get(f"https://impostor.example:{secure.port}/feed.ics")

        # And by a client that does not trust the test CA.
        default = Fetcher(AddressPolicy(allow_private=True), network=network)
        with pytest.raises(TlsFailed, match="could not be verified"):
            default.get(f"https://calendar.example:{secure.port}/feed.ics")
    finally:
        secure.close()


def test_tls_to_a_public_address_is_verified_by_name(
    network: FakeNetwork, ca: CertificateAuthority
) -> None:
    secure = Site(
        {"/feed.ics": lambda _: Reply(body=FEED)}, tls=ca.server_context("calendar.example")
    )
    try:
        publish(network, "calendar.example", PUBLIC, secure, port=443)
        client = Fetcher(AddressPolicy(), network=network, ssl_context=ca.client_context())
        assert client.get("https://calendar.example/feed.ics").body == FEED
        assert secure.seen[0].headers["host"] == "calendar.example"
    finally:
        secure.close()


def test_https_may_not_redirect_to_http(network: FakeNetwork, ca: CertificateAuthority) -> None:
    secure = Site(tls=ca.server_context("calendar.example"))
    plain = Site({"/feed.ics": lambda _: Reply(body=FEED)})
    try:
        publish(network, "calendar.example", PUBLIC, secure, port=443)
        network.play(PUBLIC, 80, plain.address)
        secure.pages["/down"] = lambda _: Reply(
            302, {"Location": "http://calendar.example/feed.ics"}
        )
        client = Fetcher(AddressPolicy(), network=network, ssl_context=ca.client_context())
        with pytest.raises(RedirectRefused, match="from https to plain http"):
            client.get("https://calendar.example/down", auth=("ada", "secret"))
        assert plain.seen == []

        # Upgrading is fine, and credentials follow an upgrade on the same host.
        plain.pages["/up"] = lambda _: Reply(301, {"Location": "https://calendar.example/feed.ics"})
        secure.pages["/feed.ics"] = lambda _: Reply(body=FEED)
        assert client.get("http://calendar.example/up", auth=("ada", "secret")).body == FEED
        assert secure.seen[-1].headers["authorization"].startswith("Basic ")
    finally:
        secure.close()
        plain.close()


# -- time -------------------------------------------------------------------------------


def test_a_connect_that_hangs_times_out(network: FakeNetwork) -> None:
    blackhole = Unreachable()
    try:
        publish(network, "slow.example", PUBLIC, blackhole.port)
        started = time.monotonic()
        with pytest.raises(TimedOut, match=r"could not connect to slow\.example:80 within 0\.3 s"):
            fetcher(network, connect_timeout=0.3).get("http://slow.example/feed.ics")
        assert time.monotonic() - started < 3
    finally:
        blackhole.close()


def test_a_server_that_never_answers_times_out(network: FakeNetwork) -> None:
    silent = Silent()
    try:
        publish(network, "mute.example", PUBLIC, silent.port)
        started = time.monotonic()
        with pytest.raises(TimedOut, match=r"did not answer completely within 0\.5 seconds"):
            fetcher(network, total_timeout=0.5).get("http://mute.example/feed.ics")
        assert 0.4 < time.monotonic() - started < 3
    finally:
        silent.close()


def test_a_body_that_trickles_in_is_cut_off_at_the_total_timeout(
    network: FakeNetwork, site: Site
) -> None:
    """Each byte arrives well within any per-read timeout; the whole never would."""
    publish(network, "drip.example", PUBLIC, site)
    site.pages["/feed.ics"] = lambda _: Reply(body=drip(1000, every=0.02))
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"within 0\.5 seconds"):
        fetcher(network, total_timeout=0.5).get("http://drip.example/feed.ics")
    assert time.monotonic() - started < 3


# -- size -------------------------------------------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_unread(
    network: FakeNetwork, site: Site
) -> None:
    publish(network, "big.example", PUBLIC, site)
    site.pages["/feed.ics"] = lambda _: Reply(body=b"x" * 2048)
    with pytest.raises(ResponseTooLarge, match="sends more than 1024 bytes") as caught:
        fetcher(network, max_bytes=1024).get("http://big.example/feed.ics")
    assert caught.value.extra == {"limit_bytes": 1024}


def test_an_endless_body_is_read_only_up_to_the_limit(network: FakeNetwork, site: Site) -> None:
    sent: list[int] = []

    def endless(_: Seen) -> Reply:
        def chunks() -> Iterator[bytes]:
            for _ in itertools.count():
                sent.append(64 * 1024)
                yield b"x" * 64 * 1024

        return Reply(body=chunks())

    publish(network, "endless.example", PUBLIC, site)
    site.pages["/feed.ics"] = endless
    limit = 10 * 1024 * 1024
    with pytest.raises(ResponseTooLarge, match="sends more than 10 MB"):
        fetcher(network, max_bytes=limit).get("http://endless.example/feed.ics")
    # The server stops once the client hangs up: at most socket buffers' worth more.
    time.sleep(0.2)  # let the server notice the closed connection
    assert sum(sent) < limit + 8 * 1024 * 1024


def test_a_compression_bomb_stops_at_the_limit_once_decompressed(
    network: FakeNetwork, site: Site
) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    publish(network, "bomb.example", PUBLIC, site)
    site.pages["/feed.ics"] = lambda _: Reply(headers={"Content-Encoding": "gzip"}, body=bomb)
    with pytest.raises(ResponseTooLarge):
        fetcher(network, max_bytes=1024 * 1024).get("http://bomb.example/feed.ics")


def test_compressed_feeds_are_read_up_to_exactly_the_limit(
    network: FakeNetwork, site: Site
) -> None:
    body = b"BEGIN:VEVENT\r\n" * 1000
    publish(network, "gz.example", PUBLIC, site)
    site.pages["/gzip"] = lambda _: Reply(
        headers={"Content-Encoding": "gzip"}, body=gzip.compress(body)
    )
    site.pages["/deflate"] = lambda _: Reply(
        headers={"Content-Encoding": "deflate"}, body=zlib.compress(body)
    )
    client = fetcher(network, max_bytes=len(body))
    assert client.get("http://gz.example/gzip").body == body
    assert client.get("http://gz.example/deflate").body == body


def test_an_unreadable_encoding_is_a_bad_response(network: FakeNetwork, site: Site) -> None:
    publish(network, "odd.example", PUBLIC, site)
    site.pages["/br"] = lambda _: Reply(headers={"Content-Encoding": "br"}, body=b"\x1b\x00")
    site.pages["/corrupt"] = lambda _: Reply(headers={"Content-Encoding": "gzip"}, body=b"nope")
    with pytest.raises(BadResponse, match="encoded as 'br'"):
        fetcher(network).get("http://odd.example/br")
    with pytest.raises(BadResponse, match="corrupt compressed answer"):
        fetcher(network).get("http://odd.example/corrupt")


# -- conditional GET and statuses -------------------------------------------------------


def test_conditional_get_returns_validators_and_honours_them(
    network: FakeNetwork, site: Site
) -> None:
    modified = "Tue, 03 Nov 2026 10:00:00 GMT"

    def feed(request: Seen) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        if request.headers.get("if-modified-since") == modified:
            return Reply(304)
        return Reply(
            body=FEED,
            headers={"ETag": '"v1"', "Last-Modified": modified, "Content-Type": "text/calendar"},
        )

    publish(network, "feeds.example", PUBLIC, site)
    site.pages["/feed.ics"] = feed
    client = fetcher(network)
    first = client.get("http://feeds.example/feed.ics")
    assert (first.status, first.body, first.etag, first.last_modified) == (
        200,
        FEED,
        '"v1"',
        modified,
    )
    assert first.content_type == "text/calendar"
    assert not first.not_modified

    again = client.get(
        "http://feeds.example/feed.ics", etag=first.etag, last_modified=first.last_modified
    )
    assert again.not_modified
    assert again.body == b""
    assert site.seen[-1].headers["if-none-match"] == '"v1"'
    assert site.seen[-1].headers["if-modified-since"] == modified

    by_date = client.get("http://feeds.example/feed.ics", last_modified=modified)
    assert by_date.not_modified


def test_messages_name_the_site_never_the_secret_path_or_query(
    network: FakeNetwork, site: Site
) -> None:
    """Private feed URLs carry their secret in the path or query, and messages end up
    in logs and on the calendars page."""
    publish(network, "feeds.example", PUBLIC, site)
    site.pages["/private-s3cret/basic.ics"] = lambda _: Reply(
        302, {"Location": "/private-s3cret/x"}
    )
    failures = []
    for limits in ({}, {"max_redirects": 0}):
        with pytest.raises(HttpStatusError) as caught:
            fetcher(network).get("http://feeds.example/private-s3cret/missing.ics?token=t0ken")
        failures.append(caught.value)
        with pytest.raises((HttpStatusError, RedirectRefused)) as refused:
            fetcher(network, **limits).get("http://feeds.example/private-s3cret/basic.ics")
        failures.append(refused.value)
    for failure in failures:
        assert "s3cret" not in str(failure)
        assert "t0ken" not in str(failure)
        assert "feeds.example" in str(failure)


def test_error_statuses_are_typed_with_their_status_and_retry_after(
    network: FakeNetwork, site: Site
) -> None:
    publish(network, "feeds.example", PUBLIC, site)
    site.pages["/busy"] = lambda _: Reply(503, {"Retry-After": "120"})
    with pytest.raises(HttpStatusError) as caught:
        fetcher(network).get("http://feeds.example/gone.ics")
    assert str(caught.value) == "http://feeds.example answered 404 Not Found"
    assert caught.value.http_status == 404
    with pytest.raises(HttpStatusError) as caught:
        fetcher(network).get("http://feeds.example/busy")
    assert (caught.value.http_status, caught.value.retry_after) == (503, 120.0)
