"""Thin Celery wrappers around certification services."""

from __future__ import annotations

from celery import shared_task

from certification import services
from core.dispatch import task_queue


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


# About 0.3 s a certificate: a batch stays well inside the time limit.
RENDER_BATCH = 200


@shared_task(name="certification.render_certificate_documents", time_limit=300, soft_time_limit=270)
def render_certificate_documents(certificate_ids: list[int]) -> int:
    """Render and store the PDF of each certificate that has none yet. Idempotent. A long list
    (a whole campaign certified at once) is done a batch at a time: the rest is queued first."""
    batch, rest = certificate_ids[:RENDER_BATCH], certificate_ids[RENDER_BATCH:]
    if rest:
        task_queue("certification.render_certificate_documents", rest)
    return len(services.certificate_documents_render(certificate_ids=batch))


@shared_task(name="certification.sweep_deadlines", time_limit=600, soft_time_limit=540)
def sweep_deadlines(kind: str) -> dict[str, int]:
    """Act on the due deadlines of one kind (reminders, lapse suspensions, revocations after
    the grace period, publicity ends, milestones), in batches. Safe to rerun at any time."""
    return dict(services.deadlines_sweep(kind))
