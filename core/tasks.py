"""Thin Celery wrappers around core services."""

from __future__ import annotations

from celery import shared_task

from core import dispatch


@shared_task(name="core.requeue_pending_tasks", time_limit=120, soft_time_limit=100)
def requeue_pending_tasks() -> int:
    """Queue the tasks that could not be queued while the broker was down. Idempotent."""
    return dispatch.pending_tasks_requeue()


@shared_task(name="core.dispatch_outbox", time_limit=120, soft_time_limit=100)
def dispatch_outbox() -> int:
    """Deliver the outbox's due side effects (on commit, and periodically). Idempotent."""
    from core.outbox import outbox_dispatch

    return outbox_dispatch()
