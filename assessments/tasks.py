"""Thin Celery wrappers around the assessments' services."""

from __future__ import annotations

from celery import shared_task

from assessments import services


@shared_task(name="assessments.refresh_peer_distributions", time_limit=600, soft_time_limit=540)
def refresh_peer_distributions() -> int:
    """Count the peer groups' distributions again. Safe to rerun at any time."""
    return services.peer_distributions_refresh().pk
