"""Publicity through the API (issue 11): the department publishes a campaign batch, anyone
reads the list and lodges an objection (JSON or multipart with evidence), only the department
reads and decides the objections, and certification waits for both."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from certification.models import Application, Objection
from tests.certification.conftest import PDF
from tests.certification.review_setup import advanced_at, make_cast
from tests.conftest import api_client_for
from tests.test_throttling import address

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI))


def test_publish_object_decide_and_certify_through_the_api():
    anonymous = APIClient(REMOTE_ADDR=address())
    with at(date(2026, 6, 1)):
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        province = api_client_for(cast.province)
        refused = api_client_for(cast.city).post(
            "/api/v1/publicity/", {"campaign": cast.campaign.pk}, format="json"
        )
        assert refused.status_code == 403
        created = province.post(
            "/api/v1/publicity/",
            {"campaign": cast.campaign.pk, "applications": [application.pk], "title": "拟认定名单"},
            format="json",
        )
        assert created.status_code == 201, created.content
        publicity = created.json()
        assert (publicity["starts_on"], publicity["ends_on"]) == ("2026-06-01", "2026-06-05")
        assert publicity["open"] and [e["application"] for e in publicity["entries"]] == [
            application.pk
        ]
        listed = anonymous.get("/api/v1/publicity/").json()
        assert [p["id"] for p in listed] == [publicity["id"]]
        assert "objections" not in listed[0]

        url = f"/api/v1/publicity/{publicity['id']}/objections/"
        missing = anonymous.post(
            url, {"application": application.pk, "name": "张三"}, format="json"
        )
        assert missing.status_code == 400 and {"contact", "grounds"} <= set(
            missing.json()["fields"]
        )
        lodged = anonymous.post(
            url,
            {
                "application": application.pk,
                "name": "张三",
                "contact": "13800000000",
                "grounds": "申报数据与实际不符。",
                "evidence": SimpleUploadedFile("evidence.pdf", PDF, "application/pdf"),
            },
            format="multipart",
        )
        assert lodged.status_code == 201, lodged.content
        assert set(lodged.json()) == {"id", "status", "lodged_at"}
        objection = Objection.objects.get(pk=lodged.json()["id"])
        assert objection.file and objection.content_type == "application/pdf"

        # Only the department reads the objections.
        assert anonymous.get(url).status_code == 401
        assert api_client_for(cast.city).get(url).status_code == 403
        assert api_client_for(cast.applicant).get(url).status_code == 403
        read = province.get(url)
        assert read.status_code == 200 and read.json()[0]["name"] == "张三"
        assert read.json()[0]["has_evidence"] is True

    with at(date(2026, 6, 8)):
        certify = province.post(f"/api/v1/applications/{application.pk}/certify/")
        assert certify.status_code == 409 and "objection" in certify.json()["message"].lower()
        decide = f"/api/v1/objections/{objection.pk}/decide/"
        assert api_client_for(cast.city).post(decide, {}, format="json").status_code == 404
        decided = province.post(
            decide,
            {"outcome": "dismissed", "investigation": "核查属实。", "reason": "异议不成立"},
            format="json",
        )
        assert decided.status_code == 200, decided.content
        assert decided.json()["status"] == "dismissed"
        again = province.post(
            decide,
            {"outcome": "upheld_reject", "investigation": "x", "reason": "y"},
            format="json",
        )
        assert again.status_code == 409
        certified = province.post(f"/api/v1/applications/{application.pk}/certify/")
        assert certified.status_code == 200, certified.content
    application.refresh_from_db()
    assert application.status == Application.Status.CERTIFIED


def test_an_objection_after_the_period_or_against_another_application_is_refused():
    anonymous = APIClient(REMOTE_ADDR=address())
    with at(date(2026, 6, 1)):
        cast = make_cast()
        application = advanced_at(cast, "recommended")
        publicity = (
            api_client_for(cast.province)
            .post("/api/v1/publicity/", {"campaign": cast.campaign.pk}, format="json")
            .json()
        )
        url = f"/api/v1/publicity/{publicity['id']}/objections/"
        body = {"name": "李四", "contact": "x", "grounds": "y"}
        other = anonymous.post(url, {**body, "application": application.pk + 999}, format="json")
        assert other.status_code == 400 and "application" in other.json()["fields"]
    with at(date(2026, 6, 6)):
        late = anonymous.post(url, {**body, "application": application.pk}, format="json")
        assert late.status_code == 409
    assert not Objection.objects.exists()
