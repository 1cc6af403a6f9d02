"""Exporting a list in a real browser: a city official exports the certificates as XLSX from
the list page, the job page shows the progress, then the download link, and the file opens."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from certification.selectors import certificate_list_for
from exports.models import ExportJob
from exports.tasks import run_export
from tests.e2e.conftest import sign_in
from tests.exports.data import build_world


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def test_an_official_exports_a_list_as_xlsx_and_downloads_it(page: Page, media, tmp_path, request):
    # The task is queued to a private queue that no worker reads: the test runs it itself,
    # once the page has shown the export waiting, as a worker would.
    request.getfixturevalue("celery_queue")
    world = build_world(per_city=2)
    expected = sorted(certificate_list_for(world.city).values_list("number", flat=True))
    assert expected

    sign_in(page, world.city, next_path="/certificates/?tier=basic")
    with page.expect_navigation():
        page.get_by_role("button", name="导出 XLSX").click()
    progress = page.locator("#export-progress")
    expect(progress).to_have_attribute("data-status", "queued")
    expect(progress.locator("progress")).to_be_visible()
    expect(page.locator(".export-download")).to_have_count(0)

    job = ExportJob.objects.get(user=world.city)
    assert job.filters == {"tier": ["basic"]} and job.format == "xlsx"
    run_export(job.pk)

    link = page.locator(".export-download")
    expect(link).to_be_visible()  # the polling swapped the finished state in
    expect(progress).to_have_attribute("data-status", "done")
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "证书编号"
    assert sorted(row[0] for row in rows[1:]) == expected
