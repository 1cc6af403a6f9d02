"""API throttles: anonymous use by client address, signed-in use by user, and scoped rates for
costly actions.

Every throttle here

* counts the client by ``core.client_ip`` (X-Forwarded-For only as far as TRUSTED_PROXY_COUNT
  trusted proxies wrote it), never by a header the client can make up;
* reads its rate from the current settings (DRF's own read them once, at import);
* lets the request through, and logs, when the cache (Redis) cannot be reached: a throttle
  protects the portal, and refusing or failing every request while Redis is down would be the
  outage it is meant to prevent.

Requests refused with 401 never reach DRF's throttle check (authentication and permissions come
first), so ``accounts.authentication`` (a bad token) and ``core.permissions`` (no credentials)
count them against the anonymous rate through :func:`anon_throttle_refused`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings

from core.client_ip import client_ip

logger = logging.getLogger(__name__)


class _PortalThrottle(throttling.SimpleRateThrottle):
    def get_rate(self) -> str | None:
        if not self.scope:
            return None
        try:
            rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as exc:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}") from exc
        return None if rate is None else str(rate)

    def get_ident(self, request: Any) -> str:
        return client_ip(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("throttle %s skipped: no cache", self.scope, exc_info=True)
            return True


class AnonRateThrottle(_PortalThrottle):
    """Anonymous requests, by client address (DRF's AnonRateThrottle, same cache keys)."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class FailedAuthenticationThrottle(AnonRateThrottle):
    """The anonymous rate, counted while authentication is still running (``request.user`` is
    not known yet and must not be asked for)."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserRateThrottle(_PortalThrottle):
    """Signed-in requests (session or token), by user; anonymous ones are AnonRateThrottle's."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScopedRateThrottle(_PortalThrottle):
    """A view's ``throttle_scope`` rate, by user (or client address when anonymous)."""

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, "throttle_scope", None)  # type: ignore[assignment]
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[assignment]
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def anon_throttle_refused(request: Any) -> None:
    """Count a request about to be refused with 401 against the anonymous rate; raise
    Throttled (429) instead once the rate is used up."""
    throttle = FailedAuthenticationThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())
