"""The client's address, read through the proxies this deployment trusts."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    # A bare address is a network of one (/32 or /128).
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(value: str) -> _Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless it is a trusted proxy (``SHEQU_TRUSTED_PROXIES``, addresses or networks): then
    the right-most address of X-Forwarded-For that is not itself a trusted proxy.

    Only the right-hand end of X-Forwarded-For is trusted: each trusted proxy appends the address it
    received the request from, while everything to the left was written by the client and may be forged.
    An untrusted peer's X-Forwarded-For is ignored entirely.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return None
    trusted = _networks(tuple(settings.SHEQU_TRUSTED_PROXIES))

    def is_trusted(address: _Address) -> bool:
        return any(address in network for network in trusted)

    if not is_trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _parse(hop)
        if address is None:
            # A garbled hop: what lies left of it cannot be trusted either; the nearest proxy is the client.
            break
        if not is_trusted(address):
            return str(address)
    return str(remote)
