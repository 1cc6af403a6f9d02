"""API authentication: ``Authorization: Token <secret>``, looked up by the secret's SHA-256, with
the user and their authority read in the same single query (every scoped endpoint needs the
authority, so it would otherwise cost a second query).

A refused token counts against the anonymous throttle (core.throttling): DRF authenticates before
it throttles, so without this a client could try tokens without limit.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.tokens import token_secret_hash
from core.throttling import anon_throttle_refused


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        try:
            return super().authenticate(request)  # type: ignore[return-value]
        except exceptions.AuthenticationFailed:
            anon_throttle_refused(request)
            raise

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = (
            ApiToken.objects.select_related("user__authority")
            .filter(key_hash=token_secret_hash(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Token expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
