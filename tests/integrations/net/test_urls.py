"""What a user-supplied URL may look like, before anything is resolved."""

from __future__ import annotations

import ipaddress

import pytest

from integrations.net.errors import InvalidUrl
from integrations.net.urls import (
    BAD_PORTS,
    host_address,
    parse_url,
    split_credentials,
    webcal_to_https,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://calendar.example/feed.ics", "https://calendar.example/feed.ics"),
        ("HTTP://Calendar.EXAMPLE", "http://calendar.example/"),
        ("https://calendar.example:443/a", "https://calendar.example/a"),
        ("http://calendar.example:5232/user/", "http://calendar.example:5232/user/"),
        ("https://calendar.example./x", "https://calendar.example/x"),  # absolute name
        ("https://calendar.example/a%20b?x=1#fragment", "https://calendar.example/a%20b?x=1"),
        (
            "https://calendar.example/k\u00fcche?q=\u00fc",
            "https://calendar.example/k%C3%BCche?q=%C3%BC",
        ),
        ("https://b\u00fccher.example/", "https://xn--bcher-kva.example/"),
        ("https://[2001:db8::1]:8443/", "https://[2001:db8::1]:8443/"),
        ("  https://calendar.example/  ", "https://calendar.example/"),
    ],
)
def test_valid_urls_are_normalised(url: str, expected: str) -> None:
    assert str(parse_url(url)) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://calendar.example/feed.ics", "must start with http:// or https:// (it has ftp://)"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("gopher://calendar.example:70/", "must start with http:// or https://"),
        ("calendar.example/feed.ics", "(it has no scheme)"),
        ("webcal://calendar.example/feed.ics", "webcal:// addresses must be rewritten"),
        ("https://user:secret@calendar.example/", "contains a user name or password"),
        ("https://user@calendar.example/", "contains a user name or password"),
        ("https://calendar.example\\@127.0.0.1/", "contains a user name or password"),
        ("https://calendar.example:25/", "port 25 is reserved for another protocol"),
        ("https://calendar.example:6667/", "port 6667 is reserved"),
        ("https://calendar.example:0/", "port 0 is reserved"),
        ("https://calendar.example:99999/", "not a valid web address"),
        ("https:///feed.ics", "names no host"),
        ("https://cal endar.example/", "spaces or control characters"),
        ("https://calendar.example/\r\nX-Injected: 1", "spaces or control characters"),
        ("https://%31%32%37.0.0.1/", "neither a host name nor an IPv4 address"),
        ("https://cal%65ndar.example/", "not a valid host name"),
        ("https://-bad-.example/", "not a valid host name"),
        ("https://256.1.1.1/", "out of range"),
        ("https://1.2.3.4.5/", "neither a host name nor an IPv4 address"),
        ("https://calendar.0x1f/", "neither a host name nor an IPv4 address"),
        ("https://08.1.1.1/", "neither a host name nor an IPv4 address"),  # not octal
        ("https://[fe80::1%25eth0]/", "carries an interface zone"),
        ("https://[::ffff:zz]/", "does not appear to be an IPv4 or IPv6 address"),
        ("https://calendar.example/" + "a" * 5000, "longer than 4096 characters"),
    ],
)
def test_invalid_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        parse_url(url)
    assert message in str(caught.value)
    assert caught.value.status_code == 422


@pytest.mark.parametrize(
    ("host", "address"),
    [
        # Every way inet_aton and browsers read 127.0.0.1: never handed to DNS.
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104 (an address under test, not a bind)
        ("0x", "0.0.0.0"),  # noqa: S104
        ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1"),  # fullwidth digits
        ("10.0.0.5", "10.0.0.5"),
        ("169.254.169.254", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("[::1]", "::1"),
        ("[64:ff9b::a00:5]", "64:ff9b::a00:5"),
    ],
)
def test_numeric_hosts_are_read_as_addresses(host: str, address: str) -> None:
    checked = parse_url(f"http://{host}/")
    assert checked.address == ipaddress.ip_address(address)
    assert checked.host == address


def test_host_address_tells_names_from_addresses() -> None:
    assert host_address("calendar.example") is None
    assert host_address("1.2.3.example") is None  # a number inside a name is a name
    assert host_address("0x7f.1") == ipaddress.ip_address("127.0.0.1")
    assert host_address("::1") == ipaddress.ip_address("::1")
    with pytest.raises(InvalidUrl):
        host_address("300.1.1.1")


def test_ports_outside_the_bad_list_are_any_port() -> None:
    for port in (80, 443, 5232, 8008, 8080, 8443, 65535):
        assert parse_url(f"https://calendar.example:{port}/").port == port
    assert {25, 587, 465, 21, 22, 6667, 10080} <= BAD_PORTS


def test_default_port_has_no_port_in_the_host_header() -> None:
    assert parse_url("https://calendar.example/").authority == "calendar.example"
    assert parse_url("http://calendar.example:8080/").authority == "calendar.example:8080"
    assert parse_url("http://[::1]:8080/").authority == "[::1]:8080"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("webcal://calendar.example/feed.ics", "https://calendar.example/feed.ics"),
        ("WEBCAL://calendar.example/feed.ics", "https://calendar.example/feed.ics"),
        ("webcals://calendar.example/feed.ics", "https://calendar.example/feed.ics"),
        ("http://calendar.example/feed.ics", "http://calendar.example/feed.ics"),
        (" https://calendar.example/ ", "https://calendar.example/"),
    ],
)
def test_webcal_is_https(url: str, expected: str) -> None:
    assert webcal_to_https(url) == expected


def test_credentials_can_be_taken_out_on_purpose() -> None:
    url, credentials = split_credentials("https://us%40er:p%3Ass@calendar.example:8443/f.ics?k=1")
    assert url == "https://calendar.example:8443/f.ics?k=1"
    assert credentials == ("us@er", "p:ss")
    assert split_credentials("https://calendar.example/f.ics") == (
        "https://calendar.example/f.ics",
        None,
    )
    parse_url(url)


def test_a_redirect_location_is_checked_by_the_same_rules() -> None:
    start = parse_url("https://calendar.example/dav/")
    assert str(start.join("/remote.php/dav/")) == "https://calendar.example/remote.php/dav/"
    assert str(start.join("principals/")) == "https://calendar.example/dav/principals/"
    assert str(start.join("//other.example/x")) == "https://other.example/x"
    assert start.join("http://0x7f.1/").address == ipaddress.ip_address("127.0.0.1")
    with pytest.raises(InvalidUrl):
        start.join("ftp://calendar.example/")
    with pytest.raises(InvalidUrl):
        start.join("https://user:pw@other.example/")
