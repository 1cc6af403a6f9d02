"""The export pages: the control on each list keeps the filters, the job page polls its
progress, and only the owner downloads the file, until the link expires (410)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import services
from exports.models import ExportJob
from tests import model_factories as mf
from tests.exports.conftest import export, read_export

pytestmark = pytest.mark.django_db


def _client(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("url", "kind", "who"),
    [
        ("/applications/?tier=basic&status=certified", "applications", "city"),
        ("/certificates/?tier=basic", "certificates", "province"),
        ("/assessments/?level=2", "assessments", "province"),
        ("/filings/basic/", "basic_filings", "city"),
        ("/worklist/", "worklist", "city"),
        ("/applications/", "applications", "enterprise_user"),
    ],
)
def test_each_list_has_the_export_control_with_its_filters(world, url, kind, who):
    response = _client(getattr(world, who)).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="kind" value="{kind}"' in html
    query = url.partition("?")[2].replace("&", "&amp;")
    assert f'name="query" value="{query}"' in html
    assert 'name="format" value="xlsx"' in html and 'name="format" value="csv"' in html


def test_posting_the_control_makes_the_job_and_its_page_shows_progress_then_the_link(
    world, django_capture_on_commit_callbacks
):
    client = _client(world.city)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            "/exports/new/",
            {"kind": "applications", "format": "xlsx", "query": "tier=advanced&page=2"},
        )
    job = ExportJob.objects.get(user=world.city)
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert job.filters == {"tier": ["advanced"]} and job.language == "en"
    assert len(queued) == 1  # the task, queued once the job is committed

    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert f'hx-get="/exports/{job.pk}/progress/"' in page and 'hx-trigger="every 1s"' in page
    assert "export-download" not in page

    services.export_job_run(job_id=job.pk)
    partial = client.get(f"/exports/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in partial  # done: the polling stops
    assert f'href="/exports/{job.pk}/download/"' in partial
    job.refresh_from_db()
    rows = read_export(job)
    assert {row[rows[0].index("Tier")] for row in rows[1:]} == {"Advanced"}


def test_the_control_refuses_a_list_the_user_cannot_export(world):
    response = _client(world.enterprise_user).post(
        "/exports/new/", {"kind": "basic_filings", "format": "csv", "query": ""}
    )
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_my_exports_lists_only_my_own(world):
    mine = export(world.city, "certificates")
    theirs = export(world.province, "certificates")
    html = _client(world.city).get("/exports/").content.decode()
    assert f"/exports/{mine.pk}/" in html and f"/exports/{theirs.pk}/" not in html


def test_only_the_owner_downloads_and_only_until_the_link_expires(world):
    job = export(world.city, "certificates")
    response = _client(world.city).get(f"/exports/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    body = b"".join(response.streaming_content)
    assert body.decode("utf-8-sig").splitlines()[0].startswith("Certificate number,")

    for other in (world.province, world.miit, mf.official("city_official", "320100-industry-it")):
        assert _client(other).get(f"/exports/{job.pk}/download/").status_code == 404
        assert _client(other).get(f"/exports/{job.pk}/").status_code == 404
    assert Client().get(f"/exports/{job.pk}/download/").status_code == 302  # sign in first

    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = _client(world.city).get(f"/exports/{job.pk}/download/")
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()


def test_the_link_lasts_export_link_hours(world, settings):
    settings.EXPORT_LINK_HOURS = 2
    job = export(world.city, "certificates")
    assert job.expires_at == job.finished_at + timedelta(hours=2)


def test_the_cleanup_deletes_expired_files_only(world):
    old = export(world.city, "certificates")
    fresh = export(world.city, "applications")
    path = old.file.path
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.export_files_cleanup() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.file and fresh.file
    assert not os.path.exists(path) and os.path.exists(fresh.file.path)
    assert _client(world.city).get(f"/exports/{old.pk}/download/").status_code == 410
    assert services.export_files_cleanup() == 0  # safe to rerun


def test_the_file_is_stored_under_the_private_folder(world):
    job = export(world.city, "certificates", fmt="xlsx")
    assert job.file.name.startswith(f"private/exports/{world.city.pk}/")
    assert job.file.name.endswith(".xlsx")


def test_the_pages_are_in_chinese_by_default(world):
    job = export(world.city, "certificates", language="zh-hans")
    html = _client(world.city, "zh-hans").get(f"/exports/{job.pk}/").content.decode()
    assert "下载" in html and "Download" not in html


def test_my_exports_runs_the_same_queries_for_more_exports(world):
    client = _client(world.city)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/exports/")
        assert response.status_code == 200
        return len(captured)

    export(world.city, "certificates")
    export(world.city, "applications", fmt="xlsx")
    few = queries()
    for kind in ("assessments", "worklist", "basic_filings", "certificates"):
        export(world.city, kind)
    assert ExportJob.objects.filter(user=world.city).count() == 6
    assert queries() == few
