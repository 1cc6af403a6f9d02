"""Thin Celery wrappers around certification services."""

from __future__ import annotations

from celery import shared_task

from certification import services


@shared_task(name="certification.check_application", time_limit=120, soft_time_limit=100)
def check_application(application_id: int, submission: int) -> int:
    """Run every rule for one submission and store the results. Idempotent."""
    return len(
        services.application_run_checks(application_id=application_id, submission=submission)
    )


@shared_task(name="certification.sweep_unchecked_applications", time_limit=600, soft_time_limit=540)
def sweep_unchecked_applications() -> int:
    """Check submitted applications left without results (for example while the broker was
    down), in batches, for at most CHECKS_SWEEP_TIME_BUDGET_SECONDS. Safe to rerun."""
    return services.applications_check_unchecked()


@shared_task(name="certification.notify_application_event", time_limit=60, soft_time_limit=50)
def notify_application_event(event_id: int) -> int:
    """Inbox and email messages about one audit event of an application. Idempotent."""
    return services.application_notify(event_id=event_id)
