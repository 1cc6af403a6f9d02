"""Odd input never crashes an endpoint: it gets a 4xx JSON body with a code and a message."""

from __future__ import annotations

import pytest

from certification import services
from tests import model_factories as mf
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_draft(enterprise_user):
    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    draft = services.application_create(actor=enterprise_user, factory=factory, tier="basic")
    return api_client_for(enterprise_user), draft, factory


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/assessments/?level=abc", None),
        ("get", "/api/v1/assessments/?year=twenty", None),
        ("get", "/api/v1/assessments/?factory=1.5", None),
        ("get", "/api/v1/applications/?factory=abc", None),
        ("get", "/api/v1/certificates/?factory=abc", None),
        ("patch", "/api/v1/applications/{draft}/", {"campaign": "abc"}),
        ("patch", "/api/v1/applications/{draft}/", {"assessment": "abc"}),
        ("patch", "/api/v1/applications/{draft}/", {"assessment": [1]}),
        ("patch", "/api/v1/applications/{draft}/", 5),
        ("put", "/api/v1/applications/{draft}/declarations/", "abc"),
        ("put", "/api/v1/applications/{draft}/declarations/", {"no_violations": "yes"}),
        ("put", "/api/v1/applications/{draft}/claims/", [1, 2]),
        ("put", "/api/v1/applications/{draft}/indicators/", [{"name": "x"}]),
        ("patch", "/api/v1/factories/{factory}/", ["a", "b"]),
        ("patch", "/api/v1/factories/{factory}/", "text"),
        ("post", "/api/v1/applications/", {"factory": "x", "tier": "basic"}),
        ("post", "/api/v1/applications/", {"factory": "{factory}", "tier": "gold"}),
    ],
)
def test_odd_input_is_a_4xx_json_error(client_and_draft, method, path, body):
    client, draft, factory = client_and_draft
    path = path.format(draft=draft.pk, factory=factory.pk)
    if isinstance(body, dict):
        body = {
            k: (v.format(factory=factory.pk) if isinstance(v, str) else v) for k, v in body.items()
        }
    response = (
        getattr(client, method)(path, body, format="json") if body is not None else client.get(path)
    )
    assert 400 <= response.status_code < 500, response.content[:300]
    data = response.json()
    assert data["code"] and data["message"]


def test_a_boolean_is_not_an_answer(enterprise_user):
    from assessments import services as assessment_services

    factory = mf.FactoryFactory()
    mf.member_of(enterprise_user, factory.enterprise)
    draft = assessment_services.assessment_start(actor=enterprise_user, factory=factory)
    response = api_client_for(enterprise_user).put(
        f"/api/v1/assessments/{draft.pk}/answers/",
        [{"requirement": "data.2.1", "score": True}],
        format="json",
    )
    assert response.status_code == 400 and "answers[0].score" in response.json()["fields"]


def test_enterprise_filter_does_not_reveal_other_enterprises(enterprise_user):
    other = mf.EnterpriseFactory()
    client = api_client_for(enterprise_user)
    seen = client.get("/api/v1/factories/", {"enterprise": other.pk})
    missing = client.get("/api/v1/factories/", {"enterprise": 999999})
    assert seen.status_code == missing.status_code == 200
    assert len(seen.json()["results"]) == len(missing.json()["results"]) == 0


def test_nul_characters_are_refused_up_front(client_and_draft, client):
    api, _draft, _factory = client_and_draft
    response = api.get("/api/v1/factories/", {"search": "a\x00b"})
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    user = mf.UserFactory()
    client.force_login(user)
    assert client.get("/enterprises/", {"q": "a\x00b"}).status_code == 400
    response = client.post("/enterprises/register/", {"name": "x\x00"})
    assert response.status_code == 400


def test_odd_digits_in_the_campaign_options_do_not_crash(enterprise_user, client):
    client.force_login(enterprise_user)
    response = client.get("/applications/new/campaigns/", {"factory": "²", "tier": "advanced"})
    assert response.status_code == 200


def test_an_official_posting_evidence_is_sent_back_not_shown_the_form(jiangsu_official, client):
    from assessments import services as assessment_services
    from tests.assessments.conftest import answer_all

    member = mf.UserFactory()
    factory = mf.FactoryFactory()
    mf.member_of(member, factory.enterprise)
    assessment = assessment_services.assessment_start(actor=member, factory=factory)
    answer_all(assessment, member)
    assessment_services.assessment_submit(actor=member, assessment=assessment)
    client.force_login(jiangsu_official)
    response = client.post(f"/assessments/{assessment.pk}/evidence/", {"requirement": "data.2.1"})
    assert response.status_code == 302 and response.url.endswith("/report/")


def test_an_expired_session_sends_htmx_to_the_login_page_as_a_whole(client):
    response = client.post(
        "/assessments/1/answers/data.2.1/",
        {"score": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/assessments/1/",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fassessments%2F1%2F"
