"""Thin Celery wrappers around the dashboard's services."""

from __future__ import annotations

from celery import shared_task

from dashboard import services


@shared_task(name="dashboard.refresh_counts", time_limit=600, soft_time_limit=540)
def refresh_counts() -> int:
    """Count again what the dashboards sum. Safe to rerun at any time."""
    return services.region_counts_refresh().pk
