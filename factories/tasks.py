"""Thin Celery wrappers around factories services."""

from __future__ import annotations

from celery import shared_task

from factories import services


@shared_task(name="factories.enterprise_registered_notify", time_limit=60, soft_time_limit=50)
def enterprise_registered_notify(enterprise_id: int) -> int:
    """Tell the city bureau about a newly registered enterprise. Idempotent."""
    return services.enterprise_registered_notify(enterprise_id=enterprise_id)
