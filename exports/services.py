"""Export jobs: asking for one, writing it (in a Celery task) and deleting expired files."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.dispatch import task_queue_on_commit
from core.errors import DomainError, PermissionDenied
from exports.kinds import ColumnKind, ExportKind, kind_get
from exports.models import ExportJob
from exports.writers import CellMaker, CsvSink, Sink, XlsxSink

logger = logging.getLogger(__name__)

# Query-string keys that are not filters of a list (its page number) are not kept.
IGNORED_PARAMS = frozenset({"page", "csrfmiddlewaretoken"})
MAX_FILTERS = 20
MAX_FILTER_VALUE = 200


def _clean_filters(filters: Mapping[str, Any] | QueryDict) -> dict[str, list[str]]:
    """The list's filters as ``name: [values]`` (what a query string holds), without the page
    number; more filters, or longer values, than any list has are refused."""
    items: dict[str, list[str]] = {}
    for key in filters:
        if key in IGNORED_PARAMS:
            continue
        raw = filters.getlist(key) if isinstance(filters, QueryDict) else filters[key]
        values = raw if isinstance(raw, list | tuple) else [raw]
        items[str(key)] = [str(value) for value in values if value is not None]
    too_long = any(len(v) > MAX_FILTER_VALUE for vs in items.values() for v in vs)
    if len(items) > MAX_FILTERS or too_long or any(len(k) > 50 for k in items):
        message = _("These filters are not those of a list.")
        raise DomainError(message, code="invalid", fields={"filters": [message]})
    return items


def filters_query(filters: Mapping[str, list[str]]) -> QueryDict:
    params = QueryDict(mutable=True)
    for key, values in filters.items():
        params.setlist(key, list(values))
    return params


def export_job_create(
    *,
    actor: User,
    kind: str,
    format: str,
    filters: Mapping[str, Any] | QueryDict,
    language: str,
) -> ExportJob:
    """Ask for an export of the list ``kind`` as the user sees it with ``filters``; the rows
    are written by the ``exports.run_export`` task, queued once this commits."""
    declared = kind_get(kind)
    if declared is None:
        message = _("There is no such list to export.")
        raise DomainError(message, code="invalid", fields={"kind": [message]})
    if format not in ExportJob.Format.values:
        message = _("Choose CSV or XLSX.")
        raise DomainError(message, code="invalid", fields={"format": [message]})
    if not declared.may_export(actor):
        raise PermissionDenied(_("You cannot export this list."))
    languages = {code for code, _name in settings.LANGUAGES}
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=actor,
            kind=kind,
            format=format,
            filters=_clean_filters(filters),
            language=language if language in languages else settings.LANGUAGE_CODE,
        )
        task_queue_on_commit("exports.run_export", job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file. Idempotent: a job done (or failed) is left as it is; a job found
    running (its worker died) is written again from the start. The rows are those the job's
    user may see now: the scope is evaluated here, not when the job was asked for."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
            return job
        job.status = ExportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.rows_written = 0
        job.save(update_fields=["status", "started_at", "rows_written"])
    try:
        name, path, written = _write(job)
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    try:
        with transaction.atomic():
            job = ExportJob.objects.select_for_update().get(pk=job.pk)
            with open(path, "rb") as handle:
                job.file.save(name, File(handle), save=False)
            now = timezone.now()
            job.status = ExportJob.Status.DONE
            job.rows_written = written
            job.finished_at = now
            job.expires_at = now + timedelta(hours=settings.EXPORT_LINK_HOURS)
            job.save()
    finally:
        os.unlink(path)
    return job


def _write(job: ExportJob) -> tuple[str, str, int]:
    """Stream the rows into a temporary file in keyset batches; returns the file's name for
    the download, its path and the rows written."""
    user = User.objects.select_related("authority").get(pk=job.user_id)
    declared = kind_get(job.kind)
    if declared is None:
        raise DomainError(_("There is no such list to export."))
    if not declared.may_export(user):
        raise PermissionDenied(_("You cannot export this list."))
    with translation.override(job.language):
        columns = declared.columns_for(user)
        base = declared.rows(user, filters_query(job.filters))
        total = base.order_by().count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        paths = list(dict.fromkeys(["pk", *(p for c in columns for p in c.paths())]))
        labels = {
            c.field: {value: str(label) for value, label in c.choices.choices}
            for c in columns
            if c.kind == ColumnKind.CHOICE
        }
        maker = CellMaker(
            columns,
            english=translation.get_language() == "en",
            labels=labels,
            yes_no=(_("Yes"), _("No")),
            for_xlsx=job.format == ExportJob.Format.XLSX,
        )
        titles = [str(c.header) for c in columns]
        sheet_title = str(declared.label)
    fd, path = tempfile.mkstemp(suffix=f".{job.format}", prefix="export-")
    os.close(fd)
    try:
        if job.format == ExportJob.Format.XLSX:
            written = _stream(
                job, declared, base, paths, maker, XlsxSink(path, title=sheet_title), titles
            )
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                written = _stream(job, declared, base, paths, maker, CsvSink(handle), titles)
    except BaseException:
        os.unlink(path)
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{declared.name}-{stamp}.{job.format}", path, written


def _stream(
    job: ExportJob,
    declared: ExportKind,
    base: Any,
    paths: list[str],
    maker: CellMaker,
    sink: Sink,
    titles: list[str],
) -> int:
    sink.header(titles)
    order = "-pk" if declared.descending else "pk"
    rows = base.order_by(order).values(*paths)
    chunk_size = settings.EXPORT_CHUNK_ROWS
    written = 0
    last: int | None = None
    while True:
        batch = rows
        if last is not None:
            batch = rows.filter(pk__lt=last) if declared.descending else rows.filter(pk__gt=last)
        chunk = list(batch[:chunk_size])
        if not chunk:
            break
        sink.rows(maker.cells(row) for row in chunk)
        written += len(chunk)
        last = chunk[-1]["pk"]
        ExportJob.objects.filter(pk=job.pk).update(rows_written=written)
        if len(chunk) < chunk_size:
            break
    sink.close()
    return written


def export_files_cleanup(*, now: datetime | None = None, limit: int = 500) -> int:
    """Delete the files of exports whose link has expired (the rows stay, as a record).
    Safe to rerun; returns how many files were deleted."""
    now = now or timezone.now()
    deleted = 0
    while True:
        with transaction.atomic():
            jobs = list(
                ExportJob.objects.select_for_update(skip_locked=True)
                .filter(expires_at__lte=now)
                .exclude(file="")
                .order_by("pk")[:limit]
            )
            for job in jobs:
                job.file.delete(save=False)
                job.file = ""
                job.save(update_fields=["file"])
        deleted += len(jobs)
        if len(jobs) < limit:
            return deleted
