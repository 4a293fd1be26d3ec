"""Refuse URLs that point into the user's own network (SSRF protection).

A URL list can come from anywhere (a newsletter, a colleague, a web form in
front of the CLI). Without this check a list entry — or a redirect from a public
page — could make us read ``http://169.254.169.254/`` (cloud metadata) or an
intranet admin page and quote it in a brief. The host is resolved and every
address checked before connecting, and again for every redirect hop.

Known limit: the check and httpx's own connection resolve the name separately,
so a DNS-rebinding server answering differently within milliseconds could slip
through; closing that needs pinning the resolved address in the transport.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket

from summarizer.errors import FetchError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    """True for public internet addresses (not private, loopback, link-local, reserved...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def _refusal(address: IPAddress) -> FetchError:
    return FetchError(f"refused: resolves to private address {address} (use --allow-private)")


async def resolve(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """All addresses ``host`` resolves to; ``FetchError`` when it does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise FetchError(f"DNS lookup timed out after {timeout:g}s") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("DNS lookup failed") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            continue
    if not addresses:
        raise FetchError("DNS lookup failed")
    return addresses


async def check_host(host: str, port: int, *, allow_private: bool, timeout: float) -> None:
    """Raise ``FetchError`` unless every address of ``host`` is public (or private is allowed)."""
    if allow_private:
        return
    bare = host.strip("[]")
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(bare)]
    except ValueError:
        addresses = await resolve(bare, port, timeout=timeout)
    for address in addresses:
        if not is_public(address):
            logger.info("refusing %s: it resolves to %s", host, address)
            raise _refusal(address)
