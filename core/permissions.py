"""The API's default permission: DRF's IsAuthenticated, with refused requests counted.

DRF checks permissions before throttles, so a request refused with 401 would never be
throttled: a client could send unauthenticated requests, or guess tokens, without limit. A
refused anonymous request counts against the anonymous rate here (a refused token is counted
by accounts.authentication, which refuses it earlier), and is answered 429 once that rate is
used up.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from core.throttling import anon_throttle_refused


class IsAuthenticated(permissions.IsAuthenticated):
    def has_permission(self, request: Any, view: Any) -> bool:
        if super().has_permission(request, view):
            return True
        anon_throttle_refused(request)
        return False
