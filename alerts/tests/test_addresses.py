"""The SSRF guard: every address a host resolves to must be public, literal IPs too, before any connection."""

from __future__ import annotations

import pytest

from alerts.services.addresses import AddressRefused, address_check, address_refusal

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "169.254.1.1",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_it_refuses_every_address_that_is_not_public(address):
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_it_lets_public_addresses_through(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]"])
def test_a_literal_ip_url_is_refused_without_a_connection(host, connects):
    with pytest.raises(AddressRefused, match="public addresses only"):
        address_check(url=f"https://{host}/hook")
    assert connects == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1"])
def test_a_name_resolving_to_a_refused_address_is_refused(address, resolves_to, connects):
    resolves_to["hooks.example.com"] = [address]
    with pytest.raises(AddressRefused, match=r"hooks\.example\.com"):
        address_check(url="https://hooks.example.com/in")
    assert connects == []


def test_one_refused_address_among_public_ones_is_enough(resolves_to):
    resolves_to["mixed.example.com"] = ["93.184.216.34", "10.0.0.1"]
    with pytest.raises(AddressRefused):
        address_check(url="https://mixed.example.com/in")


def test_a_public_name_gives_the_address_to_connect_to(resolves_to):
    resolves_to["hooks.example.com"] = ["93.184.216.34"]
    target = address_check(url="https://hooks.example.com:8443/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    "url",
    ["http://93.184.216.34/hook", "ftp://93.184.216.34/", "https://user:pw@93.184.216.34/", "https:///nohost"],
)
def test_only_plain_https_urls_pass(url):
    with pytest.raises(AddressRefused):
        address_check(url=url)


def test_http_needs_the_setting_and_the_loopback_needs_the_allow_list(settings):
    settings.TURF_WEBHOOK_ALLOW_HTTP = True
    assert address_check(url="http://93.184.216.34/hook").port == 80
    with pytest.raises(AddressRefused):
        address_check(url="http://127.0.0.1:9/hook")
    settings.TURF_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert address_check(url="http://127.0.0.1:9/hook").address == "127.0.0.1"


def test_an_unresolvable_host_is_refused(resolves_to):
    resolves_to["nowhere.example.com"] = []
    with pytest.raises(AddressRefused, match="cannot be resolved"):
        address_check(url="https://nowhere.example.com/")
