"""Reviewer calibration (issue 14): per expert, the mean and spread of their scores against
their panels' means, so that an expert who scores far from the others is visible; for the
provincial department (its province's reviews) and MIIT (all), in a fixed number of queries."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Role
from certification.models import Expert, ExpertAssignment
from tests import model_factories as mf
from tests.certification.helpers import make_applications
from tests.certification.review_setup import make_cast

pytestmark = pytest.mark.django_db

# Per panel, the three experts' totals: expert 0 scores well above the other two every time.
PANELS = [(92, 80, 78), (88, 75, 77), (95, 82, 80), (90, 79, 81)]


def _scored(cast, panels, level: str = "province") -> list[int]:
    experts = [Expert.objects.get(user=user) for user in cast.experts]
    applications = make_applications(len(panels), status="joint_review", tier="advanced")
    for application, totals in zip(applications, panels, strict=True):
        for expert, total in zip(experts, totals, strict=True):
            ExpertAssignment.objects.create(
                application=application,
                expert=expert,
                level=level,
                status=ExpertAssignment.Status.SCORED,
                assigned_by=cast.province,
                total=Decimal(total),
            )
    return [expert.pk for expert in experts]


def _independent(panels) -> dict[int, tuple[float, float]]:
    """Per expert position: (mean deviation from the other two's mean, spread of the
    deviations)."""
    deviations: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for totals in panels:
        for position, total in enumerate(totals):
            others = [t for p, t in enumerate(totals) if p != position]
            deviations[position].append(total - sum(others) / len(others))
    return {
        position: (round(sum(d) / len(d), 2), round(statistics.pstdev(d), 2))
        for position, d in deviations.items()
    }


def _api(user, **extra) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/experts/calibration/", **extra)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_department_sees_each_experts_deviation_and_the_outlier(media):
    cast = make_cast()
    ids = _scored(cast, PANELS)
    body = _api(cast.province)
    expected = _independent(PANELS)
    by_expert = {row["expert"]: row for row in body["results"]}
    assert set(by_expert) == set(ids)
    for position, expert_id in enumerate(ids):
        row = by_expert[expert_id]
        assert (row["mean_deviation"], row["spread"]) == expected[position]
        assert row["panels"] == len(PANELS)
    assert body["results"][0]["expert"] == ids[0]  # the largest deviation first
    assert [row["outlier"] for row in body["results"]] == [True, False, False]
    assert body["threshold"] == 10


def test_a_province_sees_only_its_reviews_and_miit_sees_all(media):
    cast = make_cast()
    _scored(cast, PANELS)
    zhejiang = mf.official(Role.PROVINCIAL_OFFICIAL, "33-industry-it")
    assert _api(zhejiang)["results"] == []
    miit = mf.official(Role.MIIT_REVIEWER, "miit")
    assert len(_api(miit)["results"]) == 3
    city = mf.official(Role.CITY_OFFICIAL, "320500-industry-it")
    client = APIClient()
    client.force_authenticate(city)
    refused = client.get("/api/v1/experts/calibration/")
    assert refused.status_code == 403 and refused.json()["code"]
    browser = Client()
    browser.force_login(city)
    assert browser.get("/experts/calibration/").status_code == 403


def test_the_calibration_takes_the_same_queries_whatever_the_number_of_panels(media):
    cast = make_cast()
    _scored(cast, PANELS)
    counts = []
    for more in (0, 12):
        if more:
            _scored(cast, PANELS * 3)
        client = APIClient()
        client.force_authenticate(cast.province)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/experts/calibration/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 6


@pytest.mark.parametrize(
    ("language", "heading"), [("zh-hans", "专家评分校准"), ("en", "Expert calibration")]
)
def test_the_page_marks_the_outlier_in_both_languages(media, language, heading):
    cast = make_cast()
    _scored(cast, PANELS)
    browser = Client(HTTP_ACCEPT_LANGUAGE=language)
    browser.force_login(cast.province)
    page = browser.get("/experts/calibration/").content.decode()
    assert heading in page
    assert page.count("calibration-outlier") == 1 and "专家0" in page
