"""Reads of export jobs: a user sees and downloads only their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import AnyUser
from core.errors import DomainError, NotFound
from exports.kinds import ExportKind, kind_get, kind_names
from exports.models import ExportJob


class ExportExpired(DomainError):
    """The export's link has expired (its file is deleted, or soon will be)."""

    status = 410
    default_code = "export_expired"


def export_jobs_for(user: AnyUser) -> QuerySet[ExportJob]:
    if not isinstance(user, User) or not user.is_active:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-pk")


def export_job_get_for(user: AnyUser, pk: Any) -> ExportJob:
    """The user's own job (404 for anyone else's: a job is private to whoever asked)."""
    try:
        return export_jobs_for(user).get(pk=pk)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Export not found.")) from None


def export_link_expired(job: ExportJob, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return job.expires_at is not None and job.expires_at <= now


def export_file_for(user: AnyUser, pk: Any, *, now: datetime | None = None) -> ExportJob:
    """The job whose file the user may download now: their own, done, not expired (410)."""
    job = export_job_get_for(user, pk)
    if job.status != ExportJob.Status.DONE:
        raise NotFound(_("This export is not ready yet."), code="export_not_ready")
    if export_link_expired(job, now) or not job.file:
        raise ExportExpired(
            _("This export's download link has expired. Export the list again for a new one.")
        )
    return job


def exportable_kinds(user: AnyUser) -> list[ExportKind]:
    kinds = [kind_get(name) for name in kind_names()]
    return [kind for kind in kinds if kind is not None and kind.may_export(user)]
