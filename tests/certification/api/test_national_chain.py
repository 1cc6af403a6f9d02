"""The national chain through the REST API: an excellent application from draft to an active
certificate acting as each role in turn (province, its experts and joint departments, the
ranking within quota, MIIT with national experts and ministries, publicity); a leading one
through the site visit, a cultivation period (the clock moved with time-machine) and the
acceptance; and a central SOE group's recommendation, without a province."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from certification import services
from certification.models import (
    Application,
    AuditEvent,
    Certificate,
    CultivationMilestone,
    Deadline,
    Declaration,
    RecommendationList,
)
from certification.services.reviews import expert_register
from core import outbox
from tests import model_factories as mf
from tests.certification.conftest import PDF, claims_for, submitted_assessment
from tests.certification.national_setup import (
    AI_CLAIMS,
    ALL_STAGES,
    LEVEL,
    NATIONAL_SCORES,
    NationalCast,
    national_at,
    national_cast,
    prerequisite_earned,
)
from tests.certification.review_setup import calendar_ahead
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(cast) -> NationalCast:
    return national_cast(cast)


def url(pk: int, what: str = "") -> str:
    return f"/api/v1/applications/{pk}/" + (f"{what}/" if what else "")


def post(user, path: str, body: dict | None = None):
    return api_client_for(user).post(path, body or {}, format="json")


def act(user, pk: int, action: str, body: dict | None = None) -> dict:
    response = post(user, url(pk, action), body)
    assert response.status_code == 200, (action, response.json())
    return response.json()


def allowed(user, pk: int) -> set[str]:
    """The actions offered to ``user``; none when the application is not theirs to see."""
    response = api_client_for(user).get(url(pk))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.json()
    return {o["action"] for o in response.json()["available_actions"] if o["allowed"]}


def draft_through_api(national: NationalCast, factory, tier: str) -> int:
    """The applicant creates, fills in and submits the application through the API; the
    checks run (on commit) and pass."""
    applicant = api_client_for(national.review.applicant)
    assessment = submitted_assessment(national.review.applicant, factory, LEVEL[tier])
    response = applicant.post(
        "/api/v1/applications/",
        {
            "factory": factory.pk,
            "tier": tier,
            "campaign": national.campaigns[tier].pk,
            "assessment": assessment.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    claims = claims_for(*ALL_STAGES, ai=AI_CLAIMS[tier])
    assert applicant.put(url(pk, "claims"), claims, format="json").status_code == 200
    declared = dict.fromkeys(Declaration.values, True)
    assert applicant.put(url(pk, "declarations"), declared, format="json").status_code == 200
    for kind in Declaration.values:
        response = applicant.post(
            url(pk, "files"),
            {"declaration": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)},
            format="multipart",
        )
        assert response.status_code == 201, response.json()
    response = applicant.post(url(pk, "submit"))
    assert response.status_code == 202, response.json()
    return pk


def provincial_review_through_api(national: NationalCast, pk: int) -> None:
    cast = national.review
    assert allowed(cast.province, pk) == {"assign_experts", "return", "reject"}
    act(cast.province, pk, "assign_experts", {"experts": cast.expert_ids()})
    for expert, scores in zip(cast.experts, NATIONAL_SCORES, strict=True):
        act(expert, pk, "accept_assignment")
        act(expert, pk, "score", {"scores": scores})
    assert act(cast.province, pk, "send_to_joint")["status"] == "joint_review"
    for reviewer in cast.joint:
        data = act(reviewer, pk, "concur", {"reason": "同意"})
    assert data["status"] == "provincial_decision"
    assert allowed(cast.province, pk) == {"province_pass", "return", "reject"}
    assert act(cast.province, pk, "province_pass", {"reason": "通过"})["status"] == "ranking"


def miit_review_through_api(national: NationalCast, pk: int) -> None:
    miit = national.miit
    assert allowed(miit, pk) == {"assign_experts", "verify_levels", "return", "reject"}
    register = api_client_for(miit).get(url(pk, "experts")).json()
    # MIIT's review draws on the national register only.
    assert {row["id"] for row in register} == set(national.expert_ids())
    refused = post(miit, url(pk, "assign_experts"), {"experts": national.review.expert_ids()})
    assert refused.status_code == 400 and "national register" in str(refused.json()["fields"])
    data = act(miit, pk, "assign_experts", {"experts": national.expert_ids()})
    assert data["status"] == "national_expert_review"
    for expert, scores in zip(national.experts, NATIONAL_SCORES, strict=True):
        act(expert, pk, "accept_assignment")
        act(expert, pk, "score", {"scores": scores})
    # The province's experts and joint departments have no part in MIIT's review.
    assert allowed(national.review.experts[0], pk) == set()
    assert allowed(national.review.joint[0], pk) == set()
    assert act(miit, pk, "send_to_joint")["status"] == "national_joint_review"
    for reviewer in national.ministries:
        assert allowed(reviewer, pk) == {"concur", "object"}
        data = act(reviewer, pk, "concur", {"reason": "同意"})
    assert data["status"] == "miit_decision"
    assert allowed(miit, pk) == {"approve", "verify_levels", "return", "reject"}


def rank_and_submit(national: NationalCast, pk: int, campaign) -> None:
    province = api_client_for(national.review.province)
    lists = province.get("/api/v1/recommendations/", {"campaign": campaign.pk}).json()
    assert len(lists) == 1 and lists[0]["id"] is None
    assert pk in [row["application"] for row in lists[0]["candidates"]]
    quota = lists[0]["quota"]
    assert quota and lists[0]["used"] == 0 and lists[0]["remaining"] == quota
    act(national.review.province, pk, "rank")
    listed = province.get("/api/v1/recommendations/", {"campaign": campaign.pk}).json()[0]
    assert [row["application"] for row in listed["entries"]] == [pk]
    assert listed["entries"][0]["rank"] == 1
    assert (listed["used"], listed["remaining"]) == (1, quota - 1)
    response = province.post(f"/api/v1/recommendations/{listed['id']}/submit/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted" and response.json()["submitted_at"]
    again = province.post(f"/api/v1/recommendations/{listed['id']}/submit/")
    assert again.status_code == 409 and again.json()["code"] == "list_submitted"
    # MIIT reads the lists submitted to it.
    submitted = api_client_for(national.miit).get(
        "/api/v1/recommendations/", {"campaign": campaign.pk}
    )
    assert [row["application"] for row in submitted.json()[0]["entries"]] == [pk]


def certify_through_api(national: NationalCast, pk: int, campaign) -> dict:
    miit = national.miit
    refused = post(miit, url(pk, "certify"))
    assert refused.status_code == 409 and refused.json()["code"] == "not_ready"
    with calendar_ahead():
        response = post(miit, "/api/v1/publicity/", {"campaign": campaign.pk})
        assert response.status_code == 201, response.json()
        assert [e["application"] for e in response.json()["entries"]] == [pk]
        ends_on = datetime.fromisoformat(response.json()["ends_on"]).date()
        after = datetime.combine(
            ends_on + timedelta(days=1), time(9, 30), timezone.get_current_timezone()
        )
        with time_machine.travel(after, tick=True):
            return act(miit, pk, "certify")


def test_an_excellent_application_from_draft_to_certificate_through_the_api(
    national, django_capture_on_commit_callbacks
):
    factory = mf.FactoryFactory()
    mf.member_of(national.review.applicant, factory.enterprise)
    prerequisite_earned(national, factory, "excellent")
    campaign = national.campaigns["excellent"]
    with django_capture_on_commit_callbacks(execute=True):
        pk = draft_through_api(national, factory, "excellent")
    data = api_client_for(national.review.applicant).get(url(pk)).json()
    assert data["status"] == "provincial_review", data["checks"]
    assert all(check["passed"] for check in data["checks"])

    provincial_review_through_api(national, pk)
    rank_and_submit(national, pk, campaign)
    assert Application.objects.get(pk=pk).status == "miit_review"
    miit_review_through_api(national, pk)
    assert act(national.miit, pk, "approve", {"reason": "同意认定"})["status"] == "recommended"
    data = certify_through_api(national, pk, campaign)
    assert data["status"] == "certified"

    certificate = Certificate.objects.get(application_id=pk)
    assert certificate.tier == "excellent" and certificate.status == "active"
    assert certificate.authority.code == "miit"
    assert certificate.number.startswith(f"ZN-E-{timezone.localdate().year}")
    # Every step audited, in order, with the authority each person acted for.
    steps = list(
        AuditEvent.objects.filter(application_id=pk)
        .order_by("at", "pk")
        .values_list("event_type", "acting_authority__code")
    )
    kinds = [kind for kind, _authority in steps]
    for earlier, later in [
        ("checks_pass", "province_pass"),
        ("province_pass", "rank"),
        ("rank", "submit_to_miit"),
        ("submit_to_miit", "approve"),
        ("approve", "publicize"),
        ("publicize", "certify"),
    ]:
        assert kinds.index(earlier) < kinds.index(later), (earlier, later)
    assert ("rank", "32-industry-it") in steps and ("submit_to_miit", "32-industry-it") in steps
    assert ("approve", "miit") in steps and ("certify", "miit") in steps
    submitted = AuditEvent.objects.get(application_id=pk, event_type="submit_to_miit")
    assert submitted.extra_data["rank"] == 1
    approved = AuditEvent.objects.get(application_id=pk, event_type="approve")
    assert approved.extra_data["totals"] and approved.extra_data["mean"]
    # The applicant sees where it stands, not the ranking or the experts.
    timeline = api_client_for(national.review.applicant).get(url(pk)).json()["timeline"]
    assert "rank" not in [event["event_type"] for event in timeline]
    assert "score" not in [event["event_type"] for event in timeline]


def test_a_leading_application_goes_through_site_visit_cultivation_and_acceptance(
    national, django_capture_on_commit_callbacks
):
    factory = mf.FactoryFactory()
    mf.member_of(national.review.applicant, factory.enterprise)
    prerequisite_earned(national, factory, "leading")
    assert Certificate.objects.get(factory=factory, tier="excellent").status == "active"
    campaign = national.campaigns["leading"]
    with django_capture_on_commit_callbacks(execute=True):
        pk = draft_through_api(national, factory, "leading")
    assert Application.objects.get(pk=pk).status == "provincial_review"
    provincial_review_through_api(national, pk)
    rank_and_submit(national, pk, campaign)
    miit_review_through_api(national, pk)
    miit, applicant = national.miit, national.review.applicant
    assert act(miit, pk, "approve", {"reason": "进入现场评审"})["status"] == "site_visit"

    # The visit: scheduled with a team from the national register, reported after its day.
    today = timezone.localdate()
    visit_day = today + timedelta(days=7)
    bad = post(miit, url(pk, "schedule_site_visit"), {"scheduled_on": str(today), "team": []})
    assert bad.status_code == 400 and "team" in bad.json()["fields"]
    team = national.expert_ids()[:2]
    act(miit, pk, "schedule_site_visit", {"scheduled_on": str(visit_day), "team": team})
    report = {
        "report": "现场核查属实",
        "findings": ["数字孪生覆盖全部产线", "AI质检已规模化"],
        "cultivation_months": 12,
        "milestones": [
            {"title": "完成全球对标", "due_on": str(visit_day + timedelta(days=120))},
            {"title": "输出行业标准", "due_on": str(visit_day + timedelta(days=300))},
        ],
    }
    early = post(miit, url(pk, "report_site_visit"), report)
    assert early.status_code == 409 and early.json()["code"] == "not_ready"
    too_long = {**report, "cultivation_months": 25}
    with time_machine.travel(visit_day, tick=True):
        refused = post(miit, url(pk, "report_site_visit"), too_long)
        assert refused.status_code == 400 and "cultivation_months" in refused.json()["fields"]
        assert act(miit, pk, "report_site_visit", report)["status"] == "cultivation"
        assert allowed(applicant, pk) >= {"report_milestone"}

        # Cultivation: acceptance waits for the period's end and every milestone's report.
        act(applicant, pk, "report_milestone", {"milestone": 1, "report": "已完成对标"})
    half_way = visit_day + timedelta(days=200)
    with time_machine.travel(half_way, tick=True):
        early = post(miit, url(pk, "start_acceptance"))
        assert early.status_code == 409 and early.json()["code"] == "not_ready"
    # The milestones' deadlines: the reported one is closed; the other is reminded a week
    # before its day and, unreported on the day, notified as overdue; each once.
    rows = Deadline.objects.filter(kind="milestone", milestone__cultivation__application_id=pk)
    assert rows.get(milestone__order=1).next_on is None
    second = rows.get(milestone__order=2)
    for days, done in ((292, {}), (294, {"remind": 1}), (300, {"lapse": 1}), (301, {})):
        with time_machine.travel(visit_day + timedelta(days=days), tick=True):
            assert dict(services.deadlines_sweep("milestone")) == done
            outbox.outbox_dispatch()
    notices = Notification.objects.filter(key__startswith=f"deadline:{second.pk}:")
    assert notices.filter(recipient__role="enterprise_user").count() == 2
    assert notices.filter(recipient__role="miit_reviewer").count() >= 1  # the overdue one
    period_over = visit_day + timedelta(days=370)
    with time_machine.travel(period_over, tick=True):
        refused = post(miit, url(pk, "start_acceptance"))
        assert refused.status_code == 409 and "milestones" in refused.json()["message"]
        act(applicant, pk, "report_milestone", {"milestone": 2, "report": "标准已立项"})
        assert CultivationMilestone.objects.filter(reported_at__isnull=True).count() == 0
        assert act(miit, pk, "start_acceptance")["status"] == "acceptance"
        assert allowed(miit, pk) == {"pass_acceptance", "return", "reject"}
        assert act(miit, pk, "pass_acceptance", {"reason": "验收通过"})["status"] == "recommended"
        data = certify_through_api(national, pk, campaign)
    assert data["status"] == "certified"
    certificate = Certificate.objects.get(application_id=pk)
    assert certificate.tier == "leading" and certificate.status == "active"
    kinds = list(
        AuditEvent.objects.filter(application_id=pk)
        .order_by("at", "pk")
        .values_list("event_type", flat=True)
    )
    path = [
        "approve",
        "schedule_site_visit",
        "report_site_visit",
        "report_milestone",
        "start_acceptance",
        "pass_acceptance",
        "certify",
    ]
    assert [kind for kind in kinds if kind in path] == path[:4] + ["report_milestone"] + path[4:]


def test_a_central_soe_group_recommends_its_members_factory_without_a_province(
    cast, django_capture_on_commit_callbacks
):
    # The group is on the register when MIIT opens the campaign, so it gets its quota.
    group = mf.EnterpriseFactory(is_central_soe_group=True, name="中国某集团有限公司")
    national = national_cast(cast)
    group_staff = mf.UserFactory()
    mf.member_of(group_staff, group)
    subsidiary = mf.EnterpriseFactory(group=group)
    factory = mf.FactoryFactory(enterprise=subsidiary)
    mf.member_of(national.review.applicant, subsidiary)
    prerequisite_earned(national, factory, "excellent")
    campaign = national.campaigns["excellent"]
    with django_capture_on_commit_callbacks(execute=True):
        pk = draft_through_api(national, factory, "excellent")
    application = Application.objects.get(pk=pk)
    # The checks route it to the group's ranking: no provincial review.
    assert application.status == "ranking" and application.recommending_group == group
    assert allowed(national.review.province, pk) == set()
    refused = post(national.review.province, url(pk, "rank"))
    assert refused.status_code == 403

    staff = api_client_for(group_staff)
    lists = staff.get("/api/v1/recommendations/", {"campaign": campaign.pk}).json()
    assert len(lists) == 1
    assert lists[0]["unit"] == {"province": None, "group": group.pk, "name": group.name}
    assert lists[0]["quota"] == 5
    assert [row["application"] for row in lists[0]["candidates"]] == [pk]
    act(group_staff, pk, "rank")
    ranked = RecommendationList.objects.get(campaign=campaign, group=group)
    response = staff.post(f"/api/v1/recommendations/{ranked.pk}/submit/")
    assert response.status_code == 200, response.json()
    assert Application.objects.get(pk=pk).status == "miit_review"
    # The province's list for the campaign was never involved.
    assert not RecommendationList.objects.filter(campaign=campaign, province__isnull=False)
    miit_review_through_api(national, pk)
    act(national.miit, pk, "approve", {"reason": "同意"})
    assert certify_through_api(national, pk, campaign)["status"] == "certified"


def test_a_return_from_miit_review_resumes_there_after_resubmission(
    national, django_capture_on_commit_callbacks
):
    application = national_at(national, "miit_review")
    pk = application.pk
    act(national.miit, pk, "return", {"reason": "请补充国际对标材料"})
    assert Application.objects.get(pk=pk).status == "returned"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(national.review.applicant, url(pk, "submit"))
    assert response.status_code == 202
    assert Application.objects.get(pk=pk).status == "miit_review"
    # Still on the submitted list, at its rank.
    assert application.recommendation.rank == 1


def test_miit_worklist_holds_the_national_steps_and_not_the_provinces(national):
    at_miit = national_at(national, "miit_decision")
    provincial = national.review
    from tests.certification.review_setup import advanced_at

    advanced = advanced_at(provincial, "recommended")
    rows = api_client_for(national.miit).get("/api/v1/applications/", {"waiting_for": "me"})
    ids = [row["id"] for row in rows.json()["results"]]
    assert at_miit.pk in ids and advanced.pk not in ids
    rows = api_client_for(provincial.province).get("/api/v1/applications/", {"waiting_for": "me"})
    ids = [row["id"] for row in rows.json()["results"]]
    assert advanced.pk in ids and at_miit.pk not in ids


def test_miit_records_verified_scores_and_its_decision_says_which_it_used(national):
    application = national_at(national, "miit_decision")
    pk, miit = application.pk, national.miit
    review = api_client_for(miit).get(url(pk)).json()["review"]
    rows = {row["subdomain"]: row for row in review["reconciliation"]}
    own = application.assessment.result["subdomain_overall"]
    assert set(rows) == set(own)
    assert all(row["verified"] is None and row["difference"] is None for row in rows.values())
    # Deciding on verified scores needs them recorded first.
    refused = post(miit, url(pk, "approve"), {"score_basis": "verified"})
    assert refused.status_code == 400 and "score_basis" in refused.json()["fields"]
    bad = post(miit, url(pk, "verify_levels"), {"levels": {"nonsense": "3"}})
    assert bad.status_code == 400 and "levels.nonsense" in bad.json()["fields"]
    out_of_range = post(miit, url(pk, "verify_levels"), {"levels": {next(iter(own)): "5.5"}})
    assert out_of_range.status_code == 400

    first, second = sorted(own)[:2]
    verified = {first: "2.50", second: "3.75"}
    data = act(miit, pk, "verify_levels", {"levels": verified})
    assert data["status"] == "miit_decision"  # recorded beside the review, the step stays
    rows = {row["subdomain"]: row for row in data["review"]["reconciliation"]}
    for code, value in verified.items():
        expected = Decimal(value) - Decimal(f"{own[code]:.2f}")
        assert Decimal(rows[code]["verified"]) == Decimal(value)
        assert Decimal(rows[code]["difference"]) == expected
    # Only MIIT records them, and the applicant never sees the review.
    assert (
        post(national.review.province, url(pk, "verify_levels"), {"levels": verified}).status_code
        == 403
    )
    assert api_client_for(national.review.applicant).get(url(pk)).json()["review"] is None

    data = act(miit, pk, "approve", {"score_basis": "verified", "reason": "以核定分为准"})
    assert data["status"] == "recommended"
    decision = AuditEvent.objects.get(application_id=pk, event_type="approve")
    assert decision.extra_data["score_basis"] == "verified"
    recorded = AuditEvent.objects.get(application_id=pk, event_type="verify_levels")
    assert recorded.extra_data["levels"][first]["verified"] == "2.50"


def test_a_conflicted_national_expert_is_refused(national):
    application = national_at(national, "miit_review")
    user = mf.UserFactory(role="expert")
    conflicted = expert_register(
        user=user, employer_name="申请单位", employer=application.factory.enterprise
    )
    response = post(
        national.miit, url(application.pk, "assign_experts"), {"experts": [conflicted.pk]}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "expert_conflict"
    assert "works for the applicant enterprise" in str(response.json()["fields"]["experts"])
