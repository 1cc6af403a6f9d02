"""Public verification links of certificates: ``/verify/<number>?t=<token>``.

The token is an HMAC of the certificate number under ``CERTIFICATE_VERIFY_KEY``: whoever holds a
certificate (printed, with its QR code) can check it, but numbers cannot be walked to list the
register's certificates by verification. A wrong token and an unknown number answer alike.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "certification.verification"
TOKEN_LENGTH = 20


def certificate_token(number: str) -> str:
    digest = salted_hmac(_SALT, number, secret=settings.CERTIFICATE_VERIFY_KEY, algorithm="sha256")
    return digest.hexdigest()[:TOKEN_LENGTH]


def certificate_token_valid(number: str, token: str) -> bool:
    return len(token) == TOKEN_LENGTH and constant_time_compare(certificate_token(number), token)


def certificate_verify_path(number: str) -> str:
    return f"/verify/{quote(number, safe='')}?t={certificate_token(number)}"


def certificate_verify_url(number: str) -> str:
    """The absolute address printed on the certificate (its QR code)."""
    return f"{settings.PORTAL_BASE_URL}{certificate_verify_path(number)}"
