"""An export through a real Celery worker: the job page's progress moves while the worker
writes batch after batch, and the finished XLSX holds exactly the user's rows."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from assessments.models import Assessment
from assessments.selectors import assessment_list_for
from exports import services
from exports.models import ExportJob
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.exports.data import SUZHOU, build_world, clones

EXTRA = 3000
CHUNK = 100


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_export_in_a_worker_reports_progress_and_completes(request, tmp_path, media):
    celery_queue = request.getfixturevalue("celery_queue")  # tasks go to a worker from here
    world = build_world(per_city=1)
    submitted = Assessment.objects.filter(
        city_id=SUZHOU, status=Assessment.Status.SUBMITTED
    ).first()
    assert submitted is not None
    Assessment.objects.bulk_create(clones(submitted, EXTRA))
    expected = sorted(assessment_list_for(world.city).values_list("pk", flat=True))
    assert len(expected) > EXTRA

    worker = celery_worker_start(
        celery_queue, EXPORT_CHUNK_ROWS=str(CHUNK), MEDIA_ROOT=str(media.MEDIA_ROOT)
    )
    seen: list[tuple[str, int]] = []
    try:
        job = services.export_job_create(
            actor=world.city, kind="assessments", format="xlsx", filters={}, language="zh-hans"
        )
        stop = time.monotonic() + 120
        while time.monotonic() < stop:
            state = ExportJob.objects.values_list("status", "rows_written").get(pk=job.pk)
            if not seen or seen[-1] != state:
                seen.append(state)
            if state[0] in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
                break
            time.sleep(0.005)
    finally:
        celery_worker_stop(worker)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_written == job.rows_total == len(expected)
    running = [written for status, written in seen if status == ExportJob.Status.RUNNING]
    partial = [w for w in running if 0 < w < len(expected)]
    assert len(set(partial)) >= 3, f"too few progress updates seen: {seen}"
    assert partial == sorted(partial)  # progress only moves forward
    assert all(w % CHUNK == 0 for w in partial)  # one update per batch

    with job.file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "工厂")
    assert sorted(int(row[0]) for row in rows[1:]) == expected

    # Idempotent: the task run again for a job that is done leaves it as it is.
    assert services.export_job_run(job_id=job.pk).file.name == job.file.name
