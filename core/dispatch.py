"""Queueing Celery tasks from services, by task name.

Services never import their app's ``tasks`` module (tasks import services, so the arrow runs one
way). They name the task instead; this module finds it in the registry, importing the owning
app's ``tasks`` module on first use (``<app>.<task>`` names), and queues it after the current
transaction commits.

With the broker down the caller carries on (the state change is committed and the request
succeeds) and the task is kept: it is written to ``PendingTask`` and the periodic
``core.requeue_pending_tasks`` queues it again once the broker is back. Tasks are idempotent, so
a task queued twice does its work once.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

# What apply_async raises when it cannot reach the broker.
BROKER_ERRORS = (OperationalError, OSError)

logger = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
REQUEUE_BATCH = 500


def _task(name: str) -> Any:
    if name not in current_app.tasks:
        import_module(f"{name.split('.', 1)[0]}.tasks")
    return current_app.tasks[name]


def _send(name: str, args: list[Any]) -> None:
    _task(name).apply_async(args=args, retry=True, retry_policy=RETRY_POLICY)


def task_queue(name: str, *args: Any) -> bool:
    """Queue the task ``name`` now. A broker outage is never raised: the task is kept in
    ``PendingTask`` to be queued later. Returns whether the broker took it."""
    try:
        _send(name, list(args))
    except BROKER_ERRORS as exc:
        logger.warning("could not queue %s%s; kept to queue later", name, args, exc_info=True)
        _keep(name, list(args), exc)
        return False
    except Exception:  # not an outage (an eager task's own error): queueing again won't help
        logger.exception("could not queue %s%s", name, args)
        return False
    return True


def _keep(name: str, args: list[Any], exc: Exception) -> None:
    from core.models import PendingTask

    try:
        PendingTask.objects.create(name=name, args=args, last_error=repr(exc)[:2000])
    except Exception:  # the database is down too: nothing left to keep it in
        logger.error("could not keep %s%s for later", name, args, exc_info=True)


def task_queue_on_commit(name: str, *args: Any) -> None:
    """Queue the task ``name`` once the current transaction has committed."""
    transaction.on_commit(lambda: task_queue(name, *args))


def pending_tasks_requeue(*, limit: int = REQUEUE_BATCH) -> int:
    """Queue again up to ``limit`` kept tasks, oldest first; stop at the first that the broker
    still refuses. Safe to run concurrently (rows are locked, and skipped when locked).
    Returns how many were queued."""
    from core.models import PendingTask

    queued = 0
    while queued < limit:
        with transaction.atomic():
            row = PendingTask.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if row is None:
                break
            try:
                _send(row.name, list(row.args))
            except BROKER_ERRORS as exc:
                row.attempts += 1
                row.last_error = repr(exc)[:2000]
                row.save(update_fields=["attempts", "last_error"])
                logger.warning("pending task %s still cannot be queued", row, exc_info=True)
                break
            row.delete()
            queued += 1
    return queued
