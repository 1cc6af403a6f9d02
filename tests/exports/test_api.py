"""The exports API: POST answers 202 with the job, GET follows it to its download URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification.selectors import certificate_list_for
from exports import services
from exports.models import ExportJob
from tests.conftest import api_client_for
from tests.exports.conftest import export

pytestmark = pytest.mark.django_db


def test_post_answers_202_and_get_follows_the_job_to_its_download_url(
    world, django_capture_on_commit_callbacks
):
    client = api_client_for(world.province)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/api/v1/exports/",
            {"kind": "certificates", "format": "csv", "filters": {"tier": ["basic"]}},
            format="json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["download_url"] is None
    job = ExportJob.objects.get(pk=body["id"])
    assert job.filters == {"tier": ["basic"]} and job.user == world.province

    services.export_job_run(job_id=job.pk)
    done = client.get(f"/api/v1/exports/{job.pk}/").json()
    assert done["status"] == "done" and done["percent"] == 100
    assert done["rows_written"] == done["rows_total"] > 0
    assert done["download_url"] == f"http://testserver/api/v1/exports/{job.pk}/file/"
    assert api_client_for(world.city).get(f"/api/v1/exports/{job.pk}/").status_code == 404


def test_the_file_endpoint_serves_the_owner_until_the_link_expires(world):
    job = export(world.province, "certificates", filters={"tier": ["basic"]})
    url = f"/api/v1/exports/{job.pk}/file/"
    response = api_client_for(world.province).get(url, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    expected = certificate_list_for(world.province).filter(tier="basic")
    assert sorted(line.split(",")[0] for line in body.splitlines()[1:]) == sorted(
        expected.values_list("number", flat=True)
    )
    other = api_client_for(world.city).get(url, HTTP_ACCEPT="text/csv")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = api_client_for(world.province).get(url)
    assert gone.status_code == 410 and gone.json()["code"] == "export_expired"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "nope", "format": "csv"}, "kind"),
        ({"kind": "certificates", "format": "pdf"}, "format"),
        ({"kind": "certificates", "format": "csv", "extra": 1}, "extra"),
        ({"kind": "certificates", "format": "csv", "filters": {"tier": "basic"}}, "filters.tier"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, body, field):
    response = api_client_for(world.city).post("/api/v1/exports/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ExportJob.objects.exists()


def test_a_list_the_caller_cannot_export_is_a_403(world):
    response = api_client_for(world.enterprise_user).post(
        "/api/v1/exports/", {"kind": "worklist", "format": "xlsx"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
