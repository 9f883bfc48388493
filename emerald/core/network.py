"""The client's address, decided once for throttling, rate limits and the audit trail.

Behind the reverse proxy of docs/deployment.md every request arrives from the proxy, so ``REMOTE_ADDR``
is the proxy's address. The address the proxy saw is in ``X-Forwarded-For`` — but anyone can send that
header, so it is believed only when the request came from a configured trusted proxy
(``EMERALD_TRUSTED_PROXIES``: addresses or networks, comma-separated), and then only the entries that the
trusted proxies themselves appended: the right-most address that is not a trusted proxy is the client.
Without trusted proxies the header is ignored and ``REMOTE_ADDR`` is the client.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from typing import Any

from django.conf import settings

_ATTR = "_emerald_client_address"


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def _trusted(address: str) -> bool:
    networks = _networks(tuple(getattr(settings, "EMERALD_TRUSTED_PROXIES", ()) or ()))
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_address(request: Any) -> str:
    """The address of the client that sent ``request`` (at most 45 characters; "" if unknown)."""
    known = getattr(request, _ATTR, None)
    if known is not None:
        return known
    meta = getattr(request, "META", {}) or {}
    address = (meta.get("REMOTE_ADDR") or "").strip()
    if address and _trusted(address):
        hops = [h.strip() for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not _valid(hop):
                break  # a forged or garbled entry: stop at the last address a trusted proxy vouched for
            address = hop
            if not _trusted(hop):
                break
    address = address[:45]
    try:
        setattr(request, _ATTR, address)
    except AttributeError:
        pass
    return address
