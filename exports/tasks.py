"""Thin Celery wrappers around the export services."""

from __future__ import annotations

from celery import shared_task

from exports import services


@shared_task(name="exports.run_export", time_limit=1800, soft_time_limit=1740)
def run_export(job_id: int) -> int | None:
    """Write one export's file. Idempotent: a job already done is not written again."""
    job = services.export_job_run(job_id=job_id)
    return job.rows_written if job is not None else None


@shared_task(name="exports.delete_expired", time_limit=300, soft_time_limit=270)
def delete_expired() -> int:
    """Delete the files of exports whose download link has expired. Safe to rerun."""
    return services.export_files_cleanup()
