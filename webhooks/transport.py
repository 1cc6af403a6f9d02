"""One webhook POST, connected to the address that was checked (``webhooks.addresses``).

The request goes to ``Endpoint.address`` (not to whatever the host name resolves to a moment
later), with the host name kept for TLS (SNI and certificate verification) and the ``Host``
header. Redirects are not followed: a 3xx answer is a failed attempt. The answer's body is read
(up to 64 KB, then dropped) only so that the connection closes cleanly.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from webhooks.addresses import Endpoint

USER_AGENT = "SmartFactoryPortal-Webhooks/1.0"
READ_LIMIT = 64 * 1024


@dataclass(frozen=True)
class PostResult:
    status: int | None  # None: no answer
    latency_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _connection(endpoint: Endpoint, timeout: float) -> http.client.HTTPConnection:
    connection: http.client.HTTPConnection
    if endpoint.scheme == "https":
        connection = http.client.HTTPSConnection(
            endpoint.host, endpoint.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)
    pinned = endpoint.address

    def connect_to_checked_address(
        address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        return socket.create_connection((pinned, address[1]), timeout, source_address)

    connection._create_connection = connect_to_checked_address  # type: ignore[attr-defined]
    return connection


def webhook_post(
    endpoint: Endpoint, *, body: bytes, headers: Mapping[str, str], timeout: float
) -> PostResult:
    """POST ``body`` with ``headers``; never raises for a network problem (it is the result)."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    connection = _connection(endpoint, timeout)
    try:
        connection.request(
            "POST",
            endpoint.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        response = connection.getresponse()
        response.read(READ_LIMIT)
        return PostResult(response.status, elapsed())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return PostResult(None, elapsed(), _describe(exc))
    finally:
        connection.close()


def _describe(exc: Exception) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]
