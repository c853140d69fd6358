"""Private addresses are recognised in every spelling (pure: address literals only, no network)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.netpolicy import host_is_local_name, is_public, literal_address

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "0x7f000001",
    "0x7f.1",
    "2130706433",
    "017700000001",
    "0",
    "0.0.0.0",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",
    "[::ffff:7f00:1]",
    "127.0.0.1.",
]
PRIVATE = [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "fe80::1",
    "fc00::1",
    "224.0.0.1",
    "ff02::1",
    "198.18.0.1",
    "192.0.2.1",
    "240.0.0.1",
    "255.255.255.255",
]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "1.1.1.1"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + PRIVATE)
def test_loopback_and_private_addresses_are_not_public_however_spelled(host):
    address = literal_address(host)
    assert address is not None and not is_public(address), host


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses_are(host):
    address = literal_address(host)
    assert address is not None and is_public(address)


@pytest.mark.parametrize("host", ["example.com", "news.test", "xn--80ak6aa92e.com", "", "a..b", "1.2.3.4.5"])
def test_names_are_not_literals(host):
    assert literal_address(host) is None


def test_names_that_always_mean_this_machine():
    assert (
        host_is_local_name("localhost")
        and host_is_local_name("LOCALHOST.")
        and host_is_local_name("x.localhost")
    )
    assert not host_is_local_name("localhost.example.com")


@given(st.integers(0, 2**32 - 1))
def test_every_ipv4_in_decimal_form_reads_as_itself(value):
    address = literal_address(str(value))
    assert address == ipaddress.IPv4Address(value)
    assert is_public(address) == (ipaddress.IPv4Address(value).is_global and not address.is_multicast)
