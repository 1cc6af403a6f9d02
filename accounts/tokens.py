"""Secrets: API token secrets, and the signed tokens of sign-up verification links.

An API token secret is made at random and stored only as its SHA-256. It has 256 random bits, so
a fast unsalted hash is enough: nobody can guess a secret from its hash, and the lookup by hash
stays one indexed equality (accounts.authentication).

A verification link carries the user's id and a digest of their account's state, signed with a
timestamp (SECRET_KEY): it expires after SIGNUP_VERIFICATION_DAYS, and it stops working once it
has been used (the account is no longer awaiting verification) or the account changed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX_LENGTH = 6


def token_secret_new() -> str:
    """A new secret: 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def token_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


VERIFICATION_SALT = "accounts.signup-verification"


def _account_state(user: Any) -> str:
    """A digest of what a verification link is bound to: the account, its address and its
    password (the password hash itself never leaves the database)."""
    value = f"{user.pk}:{user.email}:{user.password}:{user.awaiting_verification}"
    return salted_hmac(VERIFICATION_SALT, value).hexdigest()[:20]


def verification_token_make(user: Any) -> str:
    """A signed, timestamped token for the user's verification link (URL-safe)."""
    signer = signing.TimestampSigner(salt=VERIFICATION_SALT)
    return signer.sign_object({"u": user.pk, "s": _account_state(user)})


@dataclass(frozen=True)
class VerificationToken:
    user_id: int | None
    problem: str = ""  # "", "expired" or "invalid"
    state: str = ""

    def matches(self, user: Any) -> bool:
        return constant_time_compare(self.state, _account_state(user))


def verification_token_read(token: str) -> VerificationToken:
    """The user id a verification token names, or why it cannot be used (expired, invalid)."""
    signer = signing.TimestampSigner(salt=VERIFICATION_SALT)
    max_age = timedelta(days=settings.SIGNUP_VERIFICATION_DAYS)
    try:
        payload = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        return VerificationToken(None, "expired")
    except (signing.BadSignature, ValueError, TypeError):
        return VerificationToken(None, "invalid")
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return VerificationToken(None, "invalid")
    return VerificationToken(payload["u"], state=str(payload.get("s", "")))
