"""Application endpoints: drafting, bad input, submission and withdrawal, scope, and bounded
queries on the application and certificate lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import services
from certification.models import Application, Indicator, ScenarioClaim
from tests import model_factories as mf
from tests.certification.conftest import PDF, claims_for, ready_basic, submitted_assessment
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def put(client, application, what, body):
    return client.put(f"/api/v1/applications/{application.pk}/{what}/", body, format="json")


def test_create_and_fill_an_application(enterprise_user, applicant, media):
    client = api_client_for(enterprise_user)
    assessment = submitted_assessment(enterprise_user, applicant, 2)
    response = client.post(
        "/api/v1/applications/",
        {"factory": applicant.pk, "tier": "basic", "assessment": assessment.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    application = Application.objects.get(pk=response.json()["id"])
    response = put(
        client, application, "claims", claims_for("production_operations", "rnd_design", ai=1)
    )
    assert response.status_code == 200
    assert response.json()["ai_share"] == 0.5
    assert [c["stage"] for c in response.json()["claims"]] == [
        "rnd_design",
        "production_operations",
    ]
    indicators = [
        {
            "name": "人均产值",
            "unit": "万元",
            "baseline_value": "120.5",
            "baseline_year": 2024,
            "current_value": 150,
            "current_year": 2026,
        }
    ]
    response = put(client, application, "indicators", indicators)
    assert response.status_code == 200 and response.json()["indicators"][0]["current_value"] == 150
    response = client.put(
        f"/api/v1/applications/{application.pk}/declarations/",
        {"above_designated_size": True, "no_violations": True},
        format="json",
    )
    assert response.status_code == 200
    declared = {d["kind"]: d["affirmed"] for d in response.json()["declarations"]}
    assert declared["above_designated_size"] and not declared["secure_equipment"]
    response = client.post(
        f"/api/v1/applications/{application.pk}/files/",
        {"declaration": "no_violations", "file": SimpleUploadedFile("承诺书.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201
    files = {d["kind"]: d["files"] for d in response.json()["declarations"]}
    assert files["no_violations"] == 1


@pytest.mark.parametrize(
    ("what", "body", "field"),
    [
        ("claims", [{"scenario": "S99", "description": "x"}], "claims[0].scenario"),
        (
            "claims",
            [{"scenario": "S20", "description": "x"}, {"scenario": "S20", "description": "y"}],
            "claims[1].scenario",
        ),
        (
            "indicators",
            [
                {
                    "name": "良率",
                    "unit": "%",
                    "baseline_value": "abc",
                    "baseline_year": 2024,
                    "current_value": 99,
                    "current_year": 2026,
                }
            ],
            "indicators[0].baseline_value",
        ),
        ("claims", {"scenario": "S20"}, None),
    ],
)
def test_bad_input_is_400_and_nothing_is_saved(enterprise_user, draft, what, body, field):
    client = api_client_for(enterprise_user)
    response = put(client, draft, what, body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and data["message"]
    if field:
        assert field in data["fields"]
    assert not ScenarioClaim.objects.exists() and not Indicator.objects.exists()


def test_an_assessment_of_another_factory_is_refused(enterprise_user, applicant, draft):
    other = mf.FactoryFactory(enterprise=applicant.enterprise)
    foreign = submitted_assessment(enterprise_user, other, 2)
    client = api_client_for(enterprise_user)
    response = client.patch(
        f"/api/v1/applications/{draft.pk}/", {"assessment": foreign.pk}, format="json"
    )
    assert response.status_code == 400 and "assessment" in response.json()["fields"]
    draft.refresh_from_db()
    assert draft.assessment_id != foreign.pk
    response = client.post(
        "/api/v1/applications/",
        {"factory": applicant.pk, "tier": "advanced", "assessment": foreign.pk},
        format="json",
    )
    assert response.status_code == 400 and not Application.objects.filter(tier="advanced").exists()


def test_a_client_sent_ai_share_in_a_claim_is_refused_as_an_unknown_field(enterprise_user, draft):
    body = [{"scenario": "S20", "description": "x", "ai_share": 1.0}]
    response = put(api_client_for(enterprise_user), draft, "claims", body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "unknown_field" and list(data["fields"]) == ["claims[0].ai_share"]
    assert not ScenarioClaim.objects.exists()


def test_a_client_sent_ai_share_is_refused(enterprise_user, draft):
    response = api_client_for(enterprise_user).patch(
        f"/api/v1/applications/{draft.pk}/", {"ai_share": 0.9}, format="json"
    )
    assert response.status_code == 400 and "ai_share" in response.json()["fields"]


def test_submit_returns_202_and_checks_are_shown(
    enterprise_user, applicant, media, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media, level=1)
    client = api_client_for(enterprise_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/applications/{application.pk}/submit/")
    assert response.status_code == 202
    detail = client.get(f"/api/v1/applications/{application.pk}/").json()
    assert detail["status"] == "returned"
    checks = {c["rule"]: c for c in detail["checks"]}
    assert set(checks) == {
        "prerequisite_tier",
        "maturity_level",
        "assessment_fresh",
        "stage_coverage",
        "ai_share",
        "campaign_open",
        "single_open_application",
        "declarations",
    }
    assert not checks["maturity_level"]["passed"]
    assert "level 2" in checks["maturity_level"]["message"]
    assert [e["action"] for e in detail["timeline"]] == ["create", "submit", "checks_fail"]
    again = client.post(f"/api/v1/applications/{application.pk}/withdraw/", {"reason": "x"})
    assert again.status_code == 200 and again.json()["status"] == "withdrawn"
    late = client.post(f"/api/v1/applications/{application.pk}/submit/")
    assert late.status_code == 409 and late.json()["code"] == "invalid_transition"


def test_scope_enterprise_and_city(
    enterprise_user, applicant, media, suzhou_official, django_capture_on_commit_callbacks
):
    application = ready_basic(enterprise_user, applicant, media)
    assert len(api_client_for(suzhou_official).get("/api/v1/applications/").json()["results"]) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(actor=enterprise_user, application=application)
    nanjing = mf.official("city_official", "320100-industry-it")
    stranger = mf.UserFactory()
    assert len(api_client_for(suzhou_official).get("/api/v1/applications/").json()["results"]) == 1
    assert len(api_client_for(nanjing).get("/api/v1/applications/").json()["results"]) == 0
    assert len(api_client_for(stranger).get("/api/v1/applications/").json()["results"]) == 0
    assert (
        api_client_for(stranger).get(f"/api/v1/applications/{application.pk}/").status_code == 404
    )
    assert len(api_client_for(nanjing).get("/api/v1/certificates/").json()["results"]) == 0
    certificates = api_client_for(suzhou_official).get("/api/v1/certificates/").json()
    assert len(certificates["results"]) == 1 and certificates["results"][0]["self_declared"]
    response = api_client_for(nanjing).post(
        f"/api/v1/applications/{application.pk}/reject/", {"reason": "x"}
    )
    assert response.status_code == 404
    response = api_client_for(suzhou_official).post(
        f"/api/v1/applications/{application.pk}/reject/", {"reason": "现场核查不符"}
    )
    assert response.status_code == 200 and response.json()["certificate"]["status"] == "revoked"


def test_lists_use_bounded_queries(
    enterprise_user,
    miit_reviewer,
    media,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    for _ in range(6):
        factory = mf.FactoryFactory()
        mf.member_of(enterprise_user, factory.enterprise)
        with django_capture_on_commit_callbacks(execute=True):
            services.application_submit(
                actor=enterprise_user, application=ready_basic(enterprise_user, factory, media)
            )
    client = api_client_for(miit_reviewer)
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/applications/").json()["results"]) == 6
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/certificates/").json()["results"]) == 6
