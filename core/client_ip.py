"""The client's address, believing X-Forwarded-For only as far as trusted proxies wrote it.

Each reverse proxy appends the address it received the request from to X-Forwarded-For, so with
N trusted proxies in front of the portal (TRUSTED_PROXY_COUNT) the N-th entry from the right is
the address the outermost trusted proxy saw: the client. Anything left of it was written by the
client and is ignored. With no trusted proxy (the default) the header is ignored altogether.

One function for the API throttles (core.throttling) and the sign-in lockout (django-axes'
AXES_CLIENT_IP_CALLABLE), so that both count the same client.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: Any) -> str:
    """The address to count a request against (a Django or DRF request)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Fewer entries than trusted proxies: the request did not come through all of them.
        return remote
    candidate = forwarded[-proxies]
    return candidate if _valid(candidate) else remote
