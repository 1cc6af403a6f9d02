"""Rate limits for the account pages that send email to an address anyone can type (sign-up,
resending a verification link, password reset): counted per email address, so that the portal
cannot be used to flood someone's mailbox, and per client address, against mass sign-ups.

Counters live in the cache (Redis in deployment). As with the API throttles (core.throttling),
an unreachable cache lets the request through and logs: the limit protects, it must not become
the outage.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/hour"`` → (5, 3600): how many, per how many seconds (DRF's rate format)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def rate_allow(*, scope: str, ident: str, rate: str) -> bool:
    """Count one use of ``scope`` by ``ident``; False once the rate is used up in the current
    window. The ident is hashed, so the cache holds no email addresses."""
    limit, seconds = parse_rate(rate)
    digest = hashlib.sha256(ident.strip().lower().encode("utf-8")).hexdigest()[:32]
    key = f"accounts-rate:{scope}:{digest}"
    try:
        if cache.add(key, 1, timeout=seconds):
            return True
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr: a new window
        return True
    except Exception:
        logger.warning("rate limit %s skipped: no cache", scope, exc_info=True)
        return True
    return bool(used <= limit)
