"""Export pages: ask for an export from a list page, follow its progress, download it, and
the list of one's own exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import acting_user
from core.errors import DomainError
from exports import selectors, services
from exports.forms import ExportRequestForm
from exports.kinds import kind_get
from exports.models import ExportJob

PAGE_SIZE = 50
CONTENT_TYPES = {
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@require_POST
def export_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = ExportRequestForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Choose a list and a format to export."))
    data = form.cleaned_data
    job = services.export_job_create(
        actor=user,
        kind=data["kind"],
        format=data["format"],
        filters=form.filters(),
        language=get_language() or "",
    )
    return redirect("export-detail", pk=job.pk)


def _context(job: ExportJob) -> dict[str, object]:
    kind = kind_get(job.kind)
    return {
        "job": job,
        "kind": kind,
        "expired": selectors.export_link_expired(job),
        "polling": job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING),
    }


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.export_job_get_for(acting_user(request), pk)
    return render(request, "exports/export_detail.html", _context(job))


@login_required
@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the progress of one export, polled until it is done."""
    job = selectors.export_job_get_for(acting_user(request), pk)
    return render(request, "exports/export_progress.html", _context(job))


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.export_jobs_for(acting_user(request))
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(job, kind_get(job.kind)) for job in page.object_list]
    return render(
        request,
        "exports/export_list.html",
        {"page": page, "rows": rows, "now": timezone.now()},
    )


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, to the user who asked for it, until its link expires (410 after)."""
    return export_file_response(selectors.export_file_for(acting_user(request), pk))


def export_file_response(job: ExportJob) -> FileResponse:
    """The stored file of a job the caller may download, as an attachment."""
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise selectors.ExportExpired(
            _("This export's download link has expired. Export the list again for a new one.")
        ) from None
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{job.kind}-{stamp}.{job.format}",
        content_type=CONTENT_TYPES[ExportJob.Format(job.format)],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
