"""Which addresses a feed may be fetched from: the public internet only, unless the operator says
otherwise. Pure, except ``resolve`` (the system resolver).

A feed added from a chat (/addfeed) could otherwise make Briefbot fetch ``http://127.0.0.1:…``,
``http://10.0.0.5/admin`` or a cloud metadata address and publish the answer as stories. So:

- feeds added from a chat, and every redirect hop of any feed that started on a public address,
  must resolve to public addresses only (not loopback, private, link-local, multicast, reserved,
  unspecified, shared, documentation or benchmarking ranges, in IPv4 or IPv6, IPv4-mapped
  included);
- feeds the operator lists in feeds.yaml are fetched wherever they point (an intranet feed is the
  operator's choice), and may redirect within the private network they start in;
- ``BRIEFBOT_ALLOW_PRIVATE_FEEDS=1`` lifts the rule (self-hosters with intranet feeds added
  from chats).

Addresses are checked after DNS resolution, before connecting; a name that resolves to a public
address now and a private one at connect time (DNS rebinding) is not caught here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(Exception):
    """A URL points to an address feeds may not be fetched from."""

    def __init__(self, host: str) -> None:
        super().__init__(f"{host} is a private or local network address")
        self.host = host


def literal_address(host: str) -> Address | None:
    """The address a host written as an address means, in every spelling a resolver accepts:
    "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0", "::1", "[::1]". None for a name."""
    host = host.strip().strip("[]").rstrip(".")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host.isascii() and all(part.isalnum() for part in host.split(".")):
        try:  # the C library's inet_aton: the legacy forms ("127.1", "0x7f.1", "017700000001")
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public(address: Address) -> bool:
    """Whether ``address`` is on the public internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def host_is_local_name(host: str) -> bool:
    """Names that always mean this machine or its network, whatever DNS says."""
    host = host.strip().rstrip(".").lower()
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".localdomain"))


async def resolve(host: str, port: int) -> list[Address]:
    """The addresses ``host`` resolves to (empty when it does not resolve)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    out: list[Address] = []
    for *_, sockaddr in infos:
        try:
            out.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        except ValueError:
            continue
    return out


async def is_private_host(host: str, port: int) -> bool:
    """Whether ``host`` is (or resolves to) any address that is not public. A name that does not
    resolve is not private (fetching it fails on its own)."""
    if host_is_local_name(host):
        return True
    return any(not is_public(a) for a in await resolve(host, port))
