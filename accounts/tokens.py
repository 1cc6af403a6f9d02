"""API token secrets: made at random, stored only as their SHA-256.

A secret has 256 random bits, so a fast unsalted hash is enough: nobody can guess a secret from
its hash, and the lookup by hash stays one indexed equality (accounts.authentication).
"""

from __future__ import annotations

import hashlib
import secrets

PREFIX_LENGTH = 6


def token_secret_new() -> str:
    """A new secret: 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def token_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
