"""Fixtures of the export tests: files go to a temporary media folder."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from exports import services
from exports.models import ExportJob
from tests.exports.data import World, build_world


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings


@pytest.fixture
def world(db) -> World:
    return build_world()


def read_export(job: ExportJob) -> list[list[str]]:
    """The file's rows (header first), every cell as text."""
    with job.file.open("rb") as handle:
        content = handle.read()
    if job.format == ExportJob.Format.CSV:
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def export(user, kind: str, *, fmt: str = "csv", filters=None, language: str = "en") -> ExportJob:
    """Ask for an export and write it, as the task does."""
    job = services.export_job_create(
        actor=user, kind=kind, format=fmt, filters=filters or {}, language=language
    )
    job = services.export_job_run(job_id=job.pk)
    assert job is not None and job.status == ExportJob.Status.DONE, job and job.error
    return job
