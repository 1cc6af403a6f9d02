"""Basic-tier publicity lists through the API: ``POST /api/v1/publicity/`` without a campaign
publishes the calling city bureau's list of the basic filings it holds; anyone lodges an
objection; the bureau decides it (a basic filing cannot be returned; upheld, it is rejected
and its certificate revoked)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Role
from certification import services
from certification.models import Application, Certificate, Objection, Publicity
from tests import model_factories as mf
from tests.certification.services.test_publicity_filings import certified_filing
from tests.conftest import api_client_for
from tests.test_throttling import address

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 6, 1)  # a Monday: five working days end on Friday 5 June
URL = "/api/v1/publicity/"


def anonymous() -> APIClient:
    return APIClient(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def first_day():
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=SHANGHAI)):
        yield


@pytest.fixture
def filings(first_day, enterprise_user, media) -> list[Application]:
    """Two standing Suzhou filings."""
    return [certified_filing(enterprise_user) for _ in range(2)]


@pytest.fixture
def objection_url(filings, suzhou_official) -> str:
    """The objections of the Suzhou bureau's list of both filings."""
    publicity = services.publicity_publish_filings(actor=suzhou_official)
    return f"{URL}{publicity.pk}/objections/"


def lodge(url: str, application: Application) -> dict:
    response = anonymous().post(
        url,
        {
            "application": application.pk,
            "name": "张三",
            "contact": "13800000000",
            "grounds": "自评估材料与现场情况不符。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_city_bureau_publishes_its_filings_without_a_campaign(filings, suzhou_official):
    bureau = api_client_for(suzhou_official)
    first, second = filings
    partial = bureau.post(URL, {"applications": [first.pk], "title": "第一批"}, format="json")
    assert partial.status_code == 201, partial.content
    assert [entry["application"] for entry in partial.json()["entries"]] == [first.pk]

    created = bureau.post(URL, {}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    publicity = Publicity.objects.get(pk=body["id"])
    assert (body["tier"], body["campaign"], body["open"]) == ("basic", None, True)
    assert body["authority"] == suzhou_official.authority.name_en
    assert body["title"] == publicity.title and publicity.title
    assert (body["starts_on"], body["ends_on"], body["working_days"]) == (
        FIRST_DAY.isoformat(),
        publicity.ends_on.isoformat(),
        publicity.working_days,
    )
    (entry,) = body["entries"]  # the first filing is listed already
    factory = second.factory
    assert entry == {
        "application": second.pk,
        "factory": factory.name,
        "enterprise": factory.enterprise.name,
        "uscc": factory.enterprise.uscc,
        "city": factory.city.name_en,
        "tier": "basic",
    }
    # Public at once, like any list in its period.
    assert body["id"] in [p["id"] for p in anonymous().get(URL).json()]

    nothing = bureau.post(URL, {}, format="json")
    assert nothing.status_code == 409 and nothing.json()["code"] == "not_ready"
    for application in filings:
        application.refresh_from_db()
        assert application.status == Application.Status.CERTIFIED


def test_a_filing_that_is_not_waiting_is_refused_at_its_field(filings, suzhou_official):
    (listed, _other) = filings
    bureau = api_client_for(suzhou_official)
    assert bureau.post(URL, {"applications": [listed.pk]}, format="json").status_code == 201
    again = bureau.post(URL, {"applications": [listed.pk]}, format="json")
    assert again.status_code == 400
    assert set(again.json()["fields"]) == {"applications"}
    assert Publicity.objects.count() == 1


def test_a_provincial_official_or_an_enterprise_user_is_refused_with_403(
    filings, jiangsu_official, enterprise_user
):
    for user in (jiangsu_official, enterprise_user):
        response = api_client_for(user).post(URL, {}, format="json")
        assert response.status_code == 403
        body = response.json()
        assert set(body) == {"code", "message"}
        assert body["code"] == "forbidden" and body["message"]
    assert not Publicity.objects.exists()


def test_an_anonymous_caller_is_refused_with_401(filings):
    response = anonymous().post(URL, {}, format="json")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}
    assert not Publicity.objects.exists()


def test_an_anonymous_objection_is_received(filings, objection_url, suzhou_official):
    receipt = lodge(objection_url, filings[0])
    assert receipt["status"] == "open"
    objection = Objection.objects.get(pk=receipt["id"])
    assert objection.entry.application == filings[0]
    assert objection.entry.publicity.authority == suzhou_official.authority
    # Only the bureau reads it.
    read = api_client_for(suzhou_official).get(objection_url)
    assert read.status_code == 200
    assert [o["id"] for o in read.json()] == [objection.pk]


def test_a_basic_filing_cannot_be_returned(filings, objection_url, suzhou_official):
    receipt = lodge(objection_url, filings[0])
    response = api_client_for(suzhou_official).post(
        f"/api/v1/objections/{receipt['id']}/decide/",
        {"outcome": "upheld_return", "investigation": "核查属实。", "reason": "退回"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"outcome"} and body["fields"]["outcome"]
    objection = Objection.objects.get(pk=receipt["id"])
    assert objection.status == Objection.Status.OPEN
    filings[0].refresh_from_db()
    assert filings[0].status == Application.Status.CERTIFIED
    assert Certificate.objects.get(application=filings[0]).status == Certificate.Status.ACTIVE


def test_an_upheld_objection_rejects_the_filing_and_revokes_its_certificate(
    filings, objection_url, suzhou_official
):
    target, other = filings
    receipt = lodge(objection_url, target)
    decide = f"/api/v1/objections/{receipt['id']}/decide/"
    body = {
        "outcome": "upheld_reject",
        "investigation": "现场核查：产线未投产。",
        "reason": "异议成立：自评估材料与现场情况严重不符。",
    }
    # Another bureau does not even see the objection.
    nanjing = mf.official(Role.CITY_OFFICIAL, "320100-industry-it")
    assert api_client_for(nanjing).post(decide, body, format="json").status_code == 404

    response = api_client_for(suzhou_official).post(decide, body, format="json")
    assert response.status_code == 200, response.content
    decided = response.json()
    assert (decided["id"], decided["status"], decided["application"]) == (
        receipt["id"],
        "upheld",
        target.pk,
    )
    assert (decided["investigation"], decided["outcome_reason"]) == (
        body["investigation"],
        body["reason"],
    )
    target.refresh_from_db()
    certificate = Certificate.objects.get(application=target)
    assert target.status == Application.Status.REJECTED
    assert (certificate.status, certificate.status_reason) == ("revoked", body["reason"])
    # The other filing on the list stands.
    assert Certificate.objects.get(application=other).status == Certificate.Status.ACTIVE
