"""Which URLs a follower may give, and which addresses we may connect to.

A URL is checked twice: its shape when it is given (a clear error for the person giving
it), and the address its name resolves to right before each connection (the name may
resolve elsewhere by then: DNS rebinding). The connection goes to that checked address.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

MAX_URL_LENGTH = 2000
# Cloud metadata services beyond the link-local range (AWS IPv6, Alibaba).
METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: someone's network


class RefusedTarget(Exception):
    """The URL's address may not be called (it would reach into our own network)."""


def address_refusal(address: str, *, allow_private: bool | None = None) -> str | None:
    """Why this address may not be called, or None if it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    if ip in METADATA or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return f"{ip} is a link-local, metadata, multicast or unspecified address"
    if ip.is_global:
        return None
    if ip.is_loopback or ip.is_private or ip in SHARED:
        if allow_private:
            return None
        return f"{ip} is a loopback or private address (WEBHOOK_ALLOW_PRIVATE_TARGETS is off)"
    return f"{ip} is a reserved address"


async def resolve_checked(host: str, port: int) -> str:
    """The address to connect to for host: every address it resolves to must pass."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise OSError(f"cannot resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise RefusedTarget(f"{host} resolves to {refusal}")
    return addresses[0]


def check_url(url: str) -> str:
    """A URL a follower may give: http(s), a host, no credentials; a literal address
    must be one we may call. Raises ValidationError with the reason."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise ValidationError("The URL has spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as error:
        raise ValidationError(f"Not a URL: {error}.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("Give an http:// or https:// URL.")
    if parts.username or parts.password:
        raise ValidationError("A URL with a user name or password is not accepted.")
    try:
        refusal = address_refusal(parts.hostname)
    except ValueError:
        return url  # a name: checked when it is called
    if refusal:
        raise ValidationError(f"This URL cannot be called: {refusal}.")
    return url
