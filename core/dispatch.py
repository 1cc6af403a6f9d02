"""Queueing Celery tasks from services, by task name.

Services never import their app's ``tasks`` module (tasks import services, so the arrow runs one
way). They name the task instead; this module finds it in the registry, importing the owning
app's ``tasks`` module on first use (``<app>.<task>`` names), and queues it after the current
transaction commits. With the broker down the failure is logged and the caller carries on: the
state change is committed, and the periodic sweeps make up for what was not queued.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)

RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


def _task(name: str) -> Any:
    if name not in current_app.tasks:
        import_module(f"{name.split('.', 1)[0]}.tasks")
    return current_app.tasks[name]


def task_queue(name: str, *args: Any) -> None:
    """Queue the task ``name`` now; a broker outage is logged, never raised."""
    try:
        _task(name).apply_async(args=list(args), retry=True, retry_policy=RETRY_POLICY)
    except Exception:
        logger.warning("could not queue %s%s", name, args, exc_info=True)


def task_queue_on_commit(name: str, *args: Any) -> None:
    """Queue the task ``name`` once the current transaction has committed."""
    transaction.on_commit(lambda: task_queue(name, *args))
