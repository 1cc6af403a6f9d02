"""``/healthz``: whether the portal can serve, and which dependency is down.

No authentication, no session, no throttle (it must answer while Redis is down). 200 while the
database answers, "degraded" when the cache or the broker does not (the portal still reads and
writes; throttles let requests through and queued work is kept, see core.dispatch); 503 when the
database does not answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK, DOWN = "ok", "down"
PROBE_KEY = "healthz:probe"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set(PROBE_KEY, 1, timeout=10)
    if cache.get(PROBE_KEY) != 1:
        raise RuntimeError("the cache did not keep a value")


def _broker() -> None:
    if current_app.conf.task_always_eager:
        return  # tasks run in-process (the embedded default): there is no broker to reach
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, timeout=settings.CACHE_TIMEOUT_SECONDS
        )


def _check(name: str, probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception:
        logger.warning("health check: %s is down", name, exc_info=True)
        return DOWN
    return OK


def _pending_tasks() -> int | None:
    from core.models import PendingTask

    try:
        return PendingTask.objects.count()
    except Exception:
        return None


def _outbox_waiting() -> int | None:
    """Side effects not delivered yet (a count of the outbox's partial index)."""
    from core.models import OutboxMessage

    try:
        return OutboxMessage.objects.filter(delivered_at__isnull=True).count()
    except Exception:
        return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check("database", _database),
        "cache": _check("cache", _cache),
        "broker": _check("broker", _broker),
    }
    healthy = all(value == OK for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "degraded", "checks": checks}
    if checks["database"] == OK:
        body["pending_tasks"] = _pending_tasks()
        body["outbox_waiting"] = _outbox_waiting()
    return JsonResponse(body, status=200 if checks["database"] == OK else 503)
