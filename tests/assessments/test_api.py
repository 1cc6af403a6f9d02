"""REST endpoints for self-assessments: lifecycle, errors, scope, report shape."""

import pytest

from assessments.models import Answer, Assessment
from tests import model_factories as mf
from tests.assessments.conftest import answer_all, applicable_codes, level_of
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_create_returns_the_draft_with_codes_to_answer(enterprise_user, member_factory):
    client = api_client_for(enterprise_user)
    response = client.post("/api/v1/assessments/", {"factory": member_factory.pk}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assessment = Assessment.objects.get(pk=data["id"])
    assert data["status"] == "draft" and data["factory"] == member_factory.pk
    assert data["requirements_to_answer"] == applicable_codes(assessment)
    again = client.post("/api/v1/assessments/", {"factory": member_factory.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "draft_exists"


def test_create_for_a_factory_out_of_scope_is_404(enterprise_user):
    other = mf.FactoryFactory()
    response = api_client_for(enterprise_user).post(
        "/api/v1/assessments/", {"factory": other.pk}, format="json"
    )
    assert response.status_code == 404 and not Assessment.objects.exists()


def test_full_lifecycle_through_the_api(enterprise_user, draft):
    client = api_client_for(enterprise_user)
    codes = applicable_codes(draft)
    body = [{"requirement": c, "score": 1 if level_of(c) <= 2 else 0.5} for c in codes[:-1]]
    response = client.put(f"/api/v1/assessments/{draft.pk}/answers/", body, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "saved": len(codes) - 1,
        "answered": len(codes) - 1,
        "total": len(codes),
    }

    response = client.post(f"/api/v1/assessments/{draft.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete"
    assert response.json()["fields"]["missing"] == [codes[-1]]

    last = [{"requirement": codes[-1], "score": 0.5, "note": "改进中"}]
    assert (
        client.put(f"/api/v1/assessments/{draft.pk}/answers/", last, format="json").status_code
        == 200
    )
    response = client.post(f"/api/v1/assessments/{draft.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["maturity_level"] == 2 and response.json()["overall_score"] == 2.5

    report = client.get(f"/api/v1/assessments/{draft.pk}/report/").json()
    assert report["maturity_level"] == 2 and report["overall_score"] == 2.5
    assert report["maturity_level_name"] == {"zh": "规范级", "en": "Standardized"}
    assert report["level_scores"] == {"1": 1.0, "2": 1.0, "3": 0.5, "4": 0.5, "5": 0.5}
    assert report["attained_levels"] == [1, 2]
    assert report["valid_until"] is not None
    assert report["subdomain_scores"]["data"]["3"] == 0.5
    assert report["gap_to_next_level"] and all(
        g["requirement"].split(".")[1] == "3" and g["target"] in (0.8, 1.0)
        for g in report["gap_to_next_level"]
    )

    again = client.post(f"/api/v1/assessments/{draft.pk}/submit/")
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    late = client.put(f"/api/v1/assessments/{draft.pk}/answers/", last, format="json")
    assert late.status_code == 409
    assert Answer.objects.get(assessment=draft, requirement__code=codes[-1]).note == "改进中"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"requirement": "data.2.1", "score": 0.7}], "answers[0].score"),
        ([{"requirement": "nope.9.9", "score": 1}], "answers[0].requirement"),
        ([{"score": 1}], "0"),
        ([{"requirement": "data.2.1", "score": "high"}], "0"),
        ({"requirement": "data.2.1", "score": 1}, None),
    ],
)
def test_bad_answers_are_400_and_nothing_is_saved(enterprise_user, draft, body, field):
    good = {"requirement": applicable_codes(draft)[0], "score": 1}
    payload = [good, *body] if isinstance(body, list) else body
    if isinstance(body, list) and field and field.startswith("answers[0]"):
        field = field.replace("[0]", "[1]")
    response = api_client_for(enterprise_user).put(
        f"/api/v1/assessments/{draft.pk}/answers/", payload, format="json"
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and data["message"]
    if field and field.startswith("answers"):
        assert field in data["fields"]
    assert not Answer.objects.filter(assessment=draft).exists()


def test_other_enterprise_cannot_see_or_answer(draft):
    stranger = mf.UserFactory()
    client = api_client_for(stranger)
    assert client.get(f"/api/v1/assessments/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/assessments/{draft.pk}/report/").status_code == 404
    body = [{"requirement": applicable_codes(draft)[0], "score": 1}]
    assert (
        client.put(f"/api/v1/assessments/{draft.pk}/answers/", body, format="json").status_code
        == 404
    )
    assert client.post(f"/api/v1/assessments/{draft.pk}/submit/").status_code == 404
    assert len(client.get("/api/v1/assessments/").json()["results"]) == 0
    assert not Answer.objects.exists()


def test_officials_see_submitted_assessments_in_scope_only(
    enterprise_user, draft, suzhou_official, jiangsu_official, miit_reviewer
):
    nanjing = mf.official("city_official", "320100-industry-it")
    zhejiang = mf.official("provincial_official", "33-industry-it")
    # A draft is the enterprise's own work in progress.
    for official in (suzhou_official, jiangsu_official, miit_reviewer):
        assert len(api_client_for(official).get("/api/v1/assessments/").json()["results"]) == 0
    answer_all(draft, enterprise_user)
    api_client_for(enterprise_user).post(f"/api/v1/assessments/{draft.pk}/submit/")
    for official in (suzhou_official, jiangsu_official, miit_reviewer):
        client = api_client_for(official)
        assert len(client.get("/api/v1/assessments/").json()["results"]) == 1
        assert client.get(f"/api/v1/assessments/{draft.pk}/report/").status_code == 200
        body = [{"requirement": applicable_codes(draft)[0], "score": 0}]
        put = client.put(f"/api/v1/assessments/{draft.pk}/answers/", body, format="json")
        assert put.status_code == 403
    for official in (nanjing, zhejiang):
        client = api_client_for(official)
        assert len(client.get("/api/v1/assessments/").json()["results"]) == 0
        assert client.get(f"/api/v1/assessments/{draft.pk}/").status_code == 404


def test_factory_assessments_newest_first(enterprise_user, member_factory):
    from assessments import services

    first = services.assessment_start(actor=enterprise_user, factory=member_factory)
    answer_all(first, enterprise_user, value_for=lambda c: 0.5)
    services.assessment_submit(actor=enterprise_user, assessment=first)
    second = services.assessment_start(actor=enterprise_user, factory=member_factory)
    answer_all(second, enterprise_user)
    services.assessment_submit(actor=enterprise_user, assessment=second)
    response = api_client_for(enterprise_user).get(
        f"/api/v1/factories/{member_factory.pk}/assessments/"
    )
    assert [row["id"] for row in response.json()["results"]] == [second.pk, first.pk]
    assert [row["maturity_level"] for row in response.json()["results"]] == [5, 0]
    stranger = api_client_for(mf.UserFactory())
    assert stranger.get(f"/api/v1/factories/{member_factory.pk}/assessments/").status_code == 404


def test_list_filters_and_bounded_queries(
    enterprise_user, member_factory, miit_reviewer, django_assert_max_num_queries
):
    from assessments import services

    for value in (0.5, 1):
        factory = mf.FactoryFactory(enterprise=member_factory.enterprise)
        assessment = services.assessment_start(actor=enterprise_user, factory=factory)
        answer_all(assessment, enterprise_user, value_for=lambda c, v=value: v)
        services.assessment_submit(actor=enterprise_user, assessment=assessment)
    client = api_client_for(miit_reviewer)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/assessments/", {"level": 5})
    assert (
        len(response.json()["results"]) == 1
        and response.json()["results"][0]["maturity_level"] == 5
    )
    assert len(client.get("/api/v1/assessments/", {"province": "33"}).json()["results"]) == 0
    assert len(client.get("/api/v1/assessments/", {"city": "320500"}).json()["results"]) == 2


def test_create_from_the_last_assessment(enterprise_user, member_factory):
    client = api_client_for(enterprise_user)
    first = client.post("/api/v1/assessments/", {"factory": member_factory.pk}, format="json")
    first = Assessment.objects.get(pk=first.json()["id"])
    answer_all(first, enterprise_user, lambda code: 0.8 if level_of(code) > 2 else 1)
    assert client.post(f"/api/v1/assessments/{first.pk}/submit/").status_code == 200

    response = client.post(
        "/api/v1/assessments/",
        {"factory": member_factory.pk, "copy_from": first.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    draft = Assessment.objects.get(pk=response.json()["id"])
    assert draft.is_draft and draft.pk != first.pk
    assert set(Answer.objects.filter(assessment=draft).values_list("requirement", "score")) == set(
        Answer.objects.filter(assessment=first).values_list("requirement", "score")
    )


def test_create_from_an_assessment_of_another_factory_is_refused(enterprise_user, member_factory):
    client = api_client_for(enterprise_user)
    mine = client.post("/api/v1/assessments/", {"factory": member_factory.pk}, format="json")
    mine = Assessment.objects.get(pk=mine.json()["id"])
    answer_all(mine, enterprise_user)
    assert client.post(f"/api/v1/assessments/{mine.pk}/submit/").status_code == 200
    other = mf.FactoryFactory(enterprise=member_factory.enterprise)
    response = client.post(
        "/api/v1/assessments/", {"factory": other.pk, "copy_from": mine.pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "other_factory"
    assert not Assessment.objects.filter(factory=other).exists()
    response = client.post(
        "/api/v1/assessments/", {"factory": other.pk, "copy_from": 10**6}, format="json"
    )
    assert response.status_code == 404
