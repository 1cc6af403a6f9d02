"""Standard Webhooks signatures (https://www.standardwebhooks.com/), pure functions.

Every delivery carries three headers:

- ``webhook-id``: the delivery's message id (``msg_…``), the same on each retry;
- ``webhook-timestamp``: when this attempt was sent, in whole seconds since the Unix epoch;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256>`` of ``{id}.{timestamp}.{body}``, keyed with
  the subscription's secret: the bytes that follow its ``whsec_`` prefix, base64-decoded.

A receiver recomputes the HMAC over the raw body it got (before parsing the JSON), compares it in
constant time with each space-separated ``v1,`` signature of the header, and refuses a timestamp
more than five minutes from its clock (a replay). ``webhook_verify`` does exactly that.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 5 * 60

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


def webhook_secret_new() -> str:
    """A new signing secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is base64 after whsec_") from None


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def webhook_body(payload: Mapping[str, Any]) -> bytes:
    """The body sent for a payload: compact JSON in UTF-8, keys sorted, so that every attempt
    sends (and signs) the same bytes."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def webhook_sign(*, secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    content = f"{msg_id}.{timestamp}.".encode() + _bytes(body)
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def webhook_headers(
    *, secret: str, msg_id: str, timestamp: int, body: bytes | str
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: webhook_sign(
            secret=secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }


def webhook_verify(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether a request (its headers, any case, and its raw body) was signed with ``secret``
    within ``tolerance`` seconds of ``now`` (default: the clock)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get(HEADER_ID, "")
    raw_timestamp = lowered.get(HEADER_TIMESTAMP, "")
    signatures = lowered.get(HEADER_SIGNATURE, "")
    if not msg_id or not (raw_timestamp.isascii() and raw_timestamp.isdigit()) or not signatures:
        return False
    timestamp = int(raw_timestamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    try:
        expected = webhook_sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body)
    except ValueError:
        return False
    expected_digest = expected.split(",", 1)[1]
    for signature in signatures.split():
        version, _comma, digest = signature.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(
            digest.encode("utf-8"), expected_digest.encode("utf-8")
        ):
            return True
    return False
