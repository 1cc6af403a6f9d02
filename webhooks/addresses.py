"""Which endpoint URLs the portal may post to.

A webhook makes the portal send requests to an address its subscriber chose, so the address is
checked twice: when the subscription is saved (to tell its owner at once) and before every
attempt (the name may resolve elsewhere by then: DNS rebinding). The attempt then connects to the
very address that was checked (``webhooks.transport``).

- The scheme is https, or http too when ``WEBHOOK_ALLOW_HTTP`` is on (the default when
  ``DEBUG`` is on).
- No user name or password in the URL.
- Every address the host resolves to must be a public one: no private, loopback, link-local,
  shared, reserved or otherwise non-global address, unless ``WEBHOOK_ALLOW_PRIVATE_URLS`` is on
  (an on-premise deployment whose receivers are on its own network, and the tests). Multicast
  and unspecified addresses are refused always.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 500


class AddressRefused(ValueError):
    """The URL may not be posted to; the message says why, in the active language."""


@dataclass(frozen=True)
class Endpoint:
    """A checked URL: where to connect (``address``, one of the host's checked addresses), and
    what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _parts(url: str) -> SplitResult:
    if not url or len(url) > MAX_URL_LENGTH:
        raise AddressRefused(
            _("Give a URL of at most %(max)s characters.") % {"max": MAX_URL_LENGTH}
        )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise AddressRefused(_("This is not a valid URL.")) from None
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        if parts.scheme == "http":
            raise AddressRefused(_("The URL must start with https://."))
        raise AddressRefused(_("The URL must be an https:// address."))
    if not parts.hostname:
        raise AddressRefused(_("The URL has no host name."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("Do not put a user name or password in the URL."))
    target = parts.path + parts.query + parts.fragment
    if not target.isascii() or any(ord(c) <= 32 or ord(c) == 127 for c in target):
        raise AddressRefused(
            _("Percent-encode the spaces and other special characters of the URL's path.")
        )
    return parts


def _refusal(address: IPAddress) -> str | None:
    """Why the portal may not connect to ``address``, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast or address.is_unspecified:
        return _("The address %(address)s cannot receive webhooks.") % {"address": address}
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return None
    if address.is_loopback:
        return _("The address %(address)s is a loopback address.") % {"address": address}
    if not address.is_global:
        return _("The address %(address)s is a private or reserved address.") % {"address": address}
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise AddressRefused(
            _("The host name %(host)s cannot be resolved.") % {"host": host}
        ) from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressRefused(_("The host name %(host)s cannot be resolved.") % {"host": host})
    return addresses


def endpoint_check(url: str) -> Endpoint:
    """The endpoint to post to, or ``AddressRefused`` saying why not. Resolves the host name."""
    parts = _parts(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    for address in addresses:
        reason = _refusal(address)
        if reason:
            raise AddressRefused(reason)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Endpoint(parts.scheme, host, port, path, str(addresses[0]))
