"""Where a webhook may be sent: the one guard against server-side request forgery, run when an endpoint is
registered and again right before each delivery (a name's addresses can change between the two).

``address_check`` resolves the URL's host and refuses it when ANY of its addresses is private, loopback,
link-local, multicast, reserved, unspecified or a cloud metadata address (IPv4-mapped IPv6 judged by its IPv4),
before any connection is made; the delivery then connects to the address checked here (``Target.address``), not
to whatever the name resolves to a moment later. ``TURF_WEBHOOK_ALLOWED_HOSTS`` lets an operator allow a host
explicitly (tests and development only: a receiver on 127.0.0.1)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# The metadata services of the clouds: link-local already, named so that a change of the rules keeps them out.
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# Shared address space (carrier-grade NAT, RFC 6598): not "private" to Python before 3.13, not public either.
SHARED = ipaddress.ip_network("100.64.0.0/10")


class AddressRefused(Exception):
    """The URL may not receive webhooks; the message says why (without the secret, there is none in a URL)."""


@dataclass(frozen=True)
class Target:
    """A URL checked: its scheme, host (as written, for the Host header and TLS), port, the path with its query,
    and the one address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def address_refusal(address: str) -> str | None:
    """Why ``address`` (an IP literal) may not receive a webhook, or None when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scope id (fe80::1%eth0) is link-local anyway
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        ip = ip.sixtofour  # 2002:7f00:1::/48 carries 127.0.0.1 too
    if ip in METADATA:
        return "a cloud metadata address"
    for refused, reason in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private or (ip.version == 4 and ip in SHARED), "a private address"),
        (not ip.is_global, "not a public address"),
    ):
        if refused:
            return reason
    return None


def address_check(*, url: str) -> Target:
    """The ``Target`` of ``url``, once its scheme and every address its host resolves to are allowed; raises
    ``AddressRefused`` otherwise. No connection is made here (a DNS query at most)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"The URL cannot be read: {exc}.") from None
    allowed_schemes = {"https", "http"} if settings.TURF_WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in allowed_schemes:
        raise AddressRefused("The URL must start with https://.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("The URL may not carry a user name or password.")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(f"The host {host} cannot be resolved.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise AddressRefused(f"The host {host} cannot be resolved.")
    if host.lower() not in {allowed.lower() for allowed in settings.TURF_WEBHOOK_ALLOWED_HOSTS}:
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise AddressRefused(f"The host {host} resolves to {reason}: webhooks go to public addresses only.")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])
