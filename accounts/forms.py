"""Sign-in with a limit on failed attempts per user name and address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _failure_key(username: str, address: str) -> str:
    return f"login-failures:{username.strip().lower()}:{address}"


class ThrottledAuthenticationForm(AuthenticationForm):
    """After LOGIN_FAILURE_LIMIT failed attempts for one user name from one address, refuse
    further attempts for LOGIN_LOCKOUT_SECONDS (the count lives in the cache: Redis in
    production, so every web process shares it)."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        key = _failure_key(username, address)
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            raise ValidationError(
                _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                % {"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
            cache.incr(key)
            raise
        cache.delete(key)
        return cleaned
