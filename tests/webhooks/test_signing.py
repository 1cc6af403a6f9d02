"""Standard Webhooks signing (webhooks.signing): pure functions, checked against a vector
computed here by hand from the specification and against tampering, a wrong secret and an old
timestamp."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from webhooks.signing import (
    webhook_body,
    webhook_headers,
    webhook_secret_new,
    webhook_sign,
    webhook_verify,
)

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
MSG_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
TIMESTAMP = 1_674_087_231
BODY = b'{"type":"certificate.suspended","data":{"number":"JC-2026-0001"}}'


def by_hand(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_the_signature_is_the_published_hmac_of_id_timestamp_and_body():
    signature = webhook_sign(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert signature == by_hand(SECRET, MSG_ID, TIMESTAMP, BODY)
    assert signature.startswith("v1,")
    headers = webhook_headers(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert headers == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": signature,
    }


def test_a_signed_request_verifies_within_five_minutes():
    headers = webhook_headers(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert webhook_verify(secret=SECRET, headers=headers, body=BODY, now=TIMESTAMP)
    assert webhook_verify(secret=SECRET, headers=headers, body=BODY, now=TIMESTAMP + 299)
    assert webhook_verify(secret=SECRET, headers=headers, body=BODY, now=TIMESTAMP - 299)
    # Header names in any case, as a receiver's framework may give them.
    upper = {name.upper(): value for name, value in headers.items()}
    assert webhook_verify(secret=SECRET, headers=upper, body=BODY, now=TIMESTAMP)


@pytest.mark.parametrize("offset", [301, -301, 3600])
def test_an_old_or_future_timestamp_is_refused(offset):
    headers = webhook_headers(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert not webhook_verify(secret=SECRET, headers=headers, body=BODY, now=TIMESTAMP + offset)


def test_a_wrong_secret_a_changed_body_id_or_timestamp_are_refused():
    headers = webhook_headers(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    other = webhook_secret_new()
    assert not webhook_verify(secret=other, headers=headers, body=BODY, now=TIMESTAMP)
    assert not webhook_verify(secret=SECRET, headers=headers, body=BODY + b" ", now=TIMESTAMP)
    changed_id = {**headers, "webhook-id": "msg_other"}
    assert not webhook_verify(secret=SECRET, headers=changed_id, body=BODY, now=TIMESTAMP)
    # A timestamp moved forward keeps the old signature: refused, even though it is fresh.
    moved = {**headers, "webhook-timestamp": str(TIMESTAMP + 60)}
    assert not webhook_verify(secret=SECRET, headers=moved, body=BODY, now=TIMESTAMP + 60)
    for missing in headers:
        partial = {k: v for k, v in headers.items() if k != missing}
        assert not webhook_verify(secret=SECRET, headers=partial, body=BODY, now=TIMESTAMP)
    garbled = {**headers, "webhook-timestamp": "12a"}
    assert not webhook_verify(secret=SECRET, headers=garbled, body=BODY, now=TIMESTAMP)


def test_one_valid_signature_among_several_is_enough():
    """Standard Webhooks sends several space-separated signatures while a secret is rotated."""
    good = webhook_sign(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    stale = webhook_sign(secret=webhook_secret_new(), msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    headers = {"webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP)}
    for value in (f"{stale} {good}", f"v2,xyz {good}"):
        assert webhook_verify(
            secret=SECRET, headers={**headers, "webhook-signature": value}, body=BODY, now=TIMESTAMP
        )
    only_stale = {**headers, "webhook-signature": stale}
    assert not webhook_verify(secret=SECRET, headers=only_stale, body=BODY, now=TIMESTAMP)


def test_new_secrets_are_random_and_in_the_published_form():
    first, second = webhook_secret_new(), webhook_secret_new()
    assert first != second
    for secret in (first, second):
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


def test_the_body_is_the_same_bytes_however_the_payload_was_ordered():
    one = webhook_body({"type": "t", "data": {"b": 1, "a": "苏州"}, "timestamp": "x"})
    two = webhook_body({"timestamp": "x", "data": {"a": "苏州", "b": 1}, "type": "t"})
    assert one == two
    assert "苏州".encode() in one  # UTF-8, not escaped
