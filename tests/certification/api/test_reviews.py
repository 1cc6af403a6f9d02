"""The advanced review chain through the REST API: the whole journey acting as each role,
conflict-of-interest refusals, what experts and joint departments may see and do, the error
codes, the worklist's query counts and the OpenAPI description of the actions."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from accounts.models import Role
from certification import services
from certification.models import (
    Application,
    AuditEvent,
    CertificateSequence,
    Declaration,
    Expert,
    ExpertAssignment,
    JointOpinion,
)
from certification.services.reviews import expert_conflict_declare, expert_register
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from factories.services import pool_entry_add
from regions.models import Authority
from tests import model_factories as mf
from tests.certification.conftest import PDF, claims_for, ready_basic, submitted_assessment
from tests.certification.review_setup import (
    RUBRIC_SCORES,
    ReviewCast,
    advanced_at,
    joint_department,
    publicity_over,
)
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db

ADVANCED_STAGES = ("production_operations", "production_management", "operational_management")


def url(application: Application | int, what: str = "") -> str:
    pk = application if isinstance(application, int) else application.pk
    return f"/api/v1/applications/{pk}/" + (f"{what}/" if what else "")


def act(user, application, action: str, body: dict | None = None):
    """POST one workflow action as ``user``."""
    return api_client_for(user).post(url(application, action), body or {}, format="json")


def detail(user, application):
    response = api_client_for(user).get(url(application))
    assert response.status_code == 200, response.content
    return response.json()


def allowed(user, application) -> set[str]:
    return {o["action"] for o in detail(user, application)["available_actions"] if o["allowed"]}


def new_expert(cast: ReviewCast, name: str, **register) -> Expert:
    user = mf.UserFactory(role=Role.EXPERT, first_name=name)
    return expert_register(user=user, employer_name=f"{name}单位", province_id="32", **register)


# --- a. the whole journey --------------------------------------------------------------------


def test_the_advanced_journey_through_the_api(cast, django_capture_on_commit_callbacks):
    factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, factory.enterprise)
    pool_entry_add(
        actor=cast.city, factory=factory, year=timezone.localdate().year, reason="重点培育"
    )
    assessment = submitted_assessment(cast.applicant, factory, 3)
    applicant = api_client_for(cast.applicant)

    response = applicant.post(
        "/api/v1/applications/",
        {
            "factory": factory.pk,
            "tier": "advanced",
            "campaign": cast.campaign.pk,
            "assessment": assessment.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["status"] == "draft"
    response = applicant.put(url(pk, "claims"), claims_for(*ADVANCED_STAGES), format="json")
    assert response.status_code == 200, response.json()
    response = applicant.put(
        url(pk, "declarations"), dict.fromkeys(Declaration.values, True), format="json"
    )
    assert response.status_code == 200, response.json()
    for kind in Declaration.values:
        response = applicant.post(
            url(pk, "files"),
            {"declaration": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)},
            format="multipart",
        )
        assert response.status_code == 201, response.json()
    assert {d["kind"]: d["files"] for d in response.json()["declarations"]} == dict.fromkeys(
        Declaration.values, 1
    )
    assert allowed(cast.applicant, pk) == {"submit", "withdraw"}

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(url(pk, "submit"))
    assert response.status_code == 202, response.json()
    data = detail(cast.applicant, pk)
    assert data["status"] == "city_review", data["checks"]
    assert data["checks"] and all(c["passed"] for c in data["checks"])
    # Each role is offered exactly its own step's actions.
    assert allowed(cast.applicant, pk) == {"withdraw"}
    assert allowed(cast.city, pk) == {"forward", "return", "reject"}
    assert allowed(cast.province, pk) == set()

    response = act(cast.city, pk, "forward", {"reason": "初审通过"})
    assert response.status_code == 200 and response.json()["status"] == "provincial_review"
    assert allowed(cast.city, pk) == set()
    assert allowed(cast.province, pk) == {"assign_experts", "return", "reject"}

    register = api_client_for(cast.province).get(url(pk, "experts"))
    assert register.status_code == 200
    rows = {row["id"]: row for row in register.json()}
    assert set(cast.expert_ids()) <= set(rows)
    assert all(rows[i]["conflicts"] == [] and not rows[i]["assigned"] for i in cast.expert_ids())
    response = act(cast.province, pk, "assign_experts", {"experts": cast.expert_ids()})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "expert_review"
    assert {row["status"] for row in response.json()["review"]["experts"]} == {"invited"}
    send = next(
        o for o in detail(cast.province, pk)["available_actions"] if o["action"] == "send_to_joint"
    )
    assert not send["allowed"] and send["reason"]

    for expert, scores in zip(cast.experts, RUBRIC_SCORES, strict=True):
        response = act(expert, pk, "accept_assignment")
        assert response.status_code == 200, response.json()
        assert allowed(expert, pk) == {"score"}
        response = act(expert, pk, "score", {"scores": scores, "comment": "意见"})
        assert response.status_code == 200, response.json()
        assert allowed(expert, pk) == set()
    assert "send_to_joint" in allowed(cast.province, pk)
    response = act(cast.province, pk, "send_to_joint")
    assert response.status_code == 200 and response.json()["status"] == "joint_review"

    for reviewer in cast.joint:
        assert allowed(reviewer, pk) == {"concur", "object"}
        response = act(reviewer, pk, "concur", {"reason": "同意"})
        assert response.status_code == 200, response.json()
    assert response.json()["status"] == "provincial_decision"
    assert {o["decision"] for o in response.json()["review"]["opinions"]} == {"concur"}
    assert len(response.json()["review"]["opinions"]) == len(cast.joint)

    response = act(cast.province, pk, "recommend", {"reason": "推荐"})
    assert response.status_code == 200 and response.json()["status"] == "recommended"
    refused = act(cast.province, pk, "certify")  # publicity first
    assert refused.status_code == 409 and refused.json()["code"] == "not_ready"
    with publicity_over(cast, [Application.objects.get(pk=pk)]):
        response = act(cast.province, pk, "certify")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "certified"

    certificates = applicant.get("/api/v1/certificates/", {"factory": factory.pk}).json()
    assert len(certificates["results"]) == 1
    certificate = certificates["results"][0]
    year = timezone.localdate().year
    assert certificate["status"] == "active" and certificate["tier"] == "advanced"
    assert not certificate["self_declared"]
    assert re.fullmatch(rf"ZN-A-{year}-32-\d{{5}}", certificate["number"])
    sequence = CertificateSequence.objects.get(tier="advanced", year=year)
    assert int(certificate["number"][-5:]) == sequence.last_number
    data = detail(cast.province, pk)
    assert data["status"] == "certified" and data["certificate"]["number"] == certificate["number"]

    # One audit event per step, typed, with the authority each person acted for.
    city_code, province_code = "320500-industry-it", "32-industry-it"
    expected = [("create", None), ("submit", None), ("checks_pass", None)]
    expected += [("forward", city_code), ("assign_experts", province_code)]
    expected += [("accept_assignment", None), ("score", None)] * len(cast.experts)
    expected += [("send_to_joint", province_code)]
    expected += [("concur", reviewer.authority.code) for reviewer in cast.joint]
    expected += [("recommend", province_code), ("publicize", province_code)]
    expected += [("issue", province_code)]
    expected += [("certify", province_code)]
    timeline = data["timeline"]
    assert [(e["event_type"], e["acting_authority"]) for e in timeline] == expected
    assert all(e["action"] == e["event_type"] for e in timeline)
    # The applicant sees its side only: no expert or department steps, no names, no details.
    internal = {"assign_experts", "accept_assignment", "score", "concur"}
    own = detail(cast.applicant, pk)
    assert [e["event_type"] for e in own["timeline"]] == [
        kind for kind, _ in expected if kind not in internal
    ]
    assert all(e["actor"] is None and e["extra_data"] == {} for e in own["timeline"])
    assert own["review"] is None


# --- b. conflicts of interest ----------------------------------------------------------------


def _employer(application: Application) -> dict:
    return {"employer": application.factory.enterprise}


def _employer_is_applicants_group(application: Application) -> dict:
    parent = mf.EnterpriseFactory()
    applicant = application.factory.enterprise
    applicant.group = parent
    applicant.save(update_fields=["group"])
    return {"employer": parent}


def _employer_in_applicants_group(application: Application) -> dict:
    return {"employer": mf.EnterpriseFactory(group=application.factory.enterprise)}


def _employer_sibling_in_group(application: Application) -> dict:
    parent = mf.EnterpriseFactory()
    applicant = application.factory.enterprise
    applicant.group = parent
    applicant.save(update_fields=["group"])
    return {"employer": mf.EnterpriseFactory(group=parent)}


CONFLICTS = {
    # name: (set up the expert's employer, declared conflict (kind, on which enterprise), reason)
    "employer": (_employer, None, "works for the applicant enterprise"),
    "employer_is_applicants_group": (
        _employer_is_applicants_group,
        None,
        "works for an enterprise of the applicant's group",
    ),
    "employer_in_applicants_group": (
        _employer_in_applicants_group,
        None,
        "works for an enterprise of the applicant's group",
    ),
    "employer_sibling_in_group": (
        _employer_sibling_in_group,
        None,
        "works for an enterprise of the applicant's group",
    ),
    "declared_related_enterprise": (
        None,
        ("related_enterprise", "applicant"),
        "declared an interest in {enterprise}",
    ),
    "declared_relationship": (
        None,
        ("relationship", "applicant"),
        "declared a relationship with {enterprise}",
    ),
    "declared_relationship_with_group": (
        None,
        ("relationship", "group"),
        "declared a relationship with {enterprise}",
    ),
    "declared_interest_in_a_sibling": (
        None,
        ("related_enterprise", "sibling"),
        "declared an interest in {enterprise}",
    ),
    "declared_interest_in_a_subsidiary": (
        None,
        ("related_enterprise", "subsidiary"),
        "declared an interest in {enterprise}",
    ),
}


def _declared_on(application: Application, on: str):
    """The enterprise the conflict is declared on: the applicant or one of its group."""
    applicant = application.factory.enterprise
    if on == "applicant":
        return applicant
    if on == "subsidiary":
        return mf.EnterpriseFactory(group=applicant)
    parent = mf.EnterpriseFactory()
    applicant.group = parent
    applicant.save(update_fields=["group"])
    return parent if on == "group" else mf.EnterpriseFactory(group=parent)


@pytest.mark.parametrize("case", list(CONFLICTS))
def test_a_conflicted_expert_is_refused(cast, case):
    application = advanced_at(cast, "provincial_review")
    employer_setup, declared, reason = CONFLICTS[case]
    expert = new_expert(cast, "冲突专家", **(employer_setup(application) if employer_setup else {}))
    if declared is not None:
        kind, on = declared
        enterprise = _declared_on(application, on)
        expert_conflict_declare(
            actor=expert.user, enterprise=enterprise, kind=kind, description="曾任顾问"
        )
        reason = reason.format(enterprise=enterprise.name)

    register = api_client_for(cast.province).get(url(application, "experts")).json()
    conflicts = {row["id"]: row["conflicts"] for row in register}
    assert len(conflicts[expert.pk]) == 1 and reason in conflicts[expert.pk][0]
    assert all(conflicts[pk] == [] for pk in cast.expert_ids())

    response = act(
        cast.province, application, "assign_experts", {"experts": [expert.pk, *cast.expert_ids()]}
    )
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] == "expert_conflict"
    assert len(body["fields"]["experts"]) == 1
    assert str(expert) in body["fields"]["experts"][0]
    assert reason in body["fields"]["experts"][0]
    assert not ExpertAssignment.objects.filter(application=application).exists()
    application.refresh_from_db()
    assert application.status == "provincial_review"
    assert not AuditEvent.objects.filter(
        application=application, event_type="assign_experts"
    ).exists()
    # The same request without the conflicted expert goes through.
    response = act(cast.province, application, "assign_experts", {"experts": cast.expert_ids()})
    assert response.status_code == 200 and response.json()["status"] == "expert_review"


def test_an_expert_without_a_conflict_at_an_unrelated_enterprise_is_assigned(cast):
    application = advanced_at(cast, "provincial_review")
    elsewhere = new_expert(cast, "无关专家", employer=mf.EnterpriseFactory())
    expert_conflict_declare(
        actor=elsewhere.user, enterprise=mf.EnterpriseFactory(), kind="relationship"
    )
    response = act(
        cast.province,
        application,
        "assign_experts",
        {"experts": [elsewhere.pk, *cast.expert_ids()]},
    )
    assert response.status_code == 200, response.json()
    assert ExpertAssignment.objects.filter(application=application).count() == 4


# --- c. what an expert can read ---------------------------------------------------------------


def test_an_expert_reads_only_an_accepted_assignment(cast):
    application = advanced_at(cast, "provincial_review")
    first, *others = cast.experts
    assert api_client_for(first).get(url(application)).status_code == 404
    assert act(first, application, "accept_assignment").status_code == 404
    declining = new_expert(cast, "婉拒专家")
    response = act(
        cast.province,
        application,
        "assign_experts",
        {"experts": [*cast.expert_ids(), declining.pk]},
    )
    assert response.status_code == 200, response.json()

    client = api_client_for(first)
    assert client.get(url(application)).status_code == 404
    assert len(client.get("/api/v1/applications/").json()["results"]) == 0
    waiting = client.get("/api/v1/applications/", {"waiting_for": "me"}).json()
    assert [row["id"] for row in waiting["results"]] == [application.pk]
    response = act(first, application, "accept_assignment")
    assert response.status_code == 200, response.json()
    assert client.get(url(application)).status_code == 200
    assert len(client.get("/api/v1/applications/").json()["results"]) == 1
    assert act(first, application, "accept_assignment").status_code == 403

    # Declining needs a reason, answers 204, and the application stays out of reach.
    response = act(declining.user, application, "decline_assignment")
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    response = act(declining.user, application, "decline_assignment", {"reason": "时间冲突"})
    assert response.status_code == 204
    assert ExpertAssignment.objects.get(expert=declining).status == "declined"
    assert api_client_for(declining.user).get(url(application)).status_code == 404

    # An expert who was never invited cannot reach it at all.
    stranger = new_expert(cast, "局外专家")
    assert api_client_for(stranger.user).get(url(application)).status_code == 404
    assert act(stranger.user, application, "accept_assignment").status_code == 404
    assert others  # the other two are still invited
    assert all(api_client_for(u).get(url(application)).status_code == 404 for u in others)


def _totals(application: Application) -> dict[str, Decimal | None]:
    return {
        str(a.expert): a.total
        for a in ExpertAssignment.objects.filter(application=application).select_related(
            "expert__user"
        )
    }


def _shown(row_total) -> Decimal | None:
    return None if row_total is None else Decimal(row_total)


def test_other_experts_scores_are_hidden_until_all_have_scored(cast):
    application = advanced_at(cast, "expert_review")
    first, second, third = cast.experts
    for expert in cast.experts:
        assert act(expert, application, "accept_assignment").status_code == 200
    response = act(first, application, "score", {"scores": RUBRIC_SCORES[0], "comment": "好"})
    assert response.status_code == 200, response.json()
    totals = _totals(application)
    first_name = str(Expert.objects.get(user=first))

    review = detail(second, application)["review"]
    rows = {row["expert"]: row for row in review["experts"]}
    assert rows[first_name]["status"] == "scored"
    assert rows[first_name]["total"] is None and rows[first_name]["scores"] == {}
    assert rows[first_name]["comment"] == "" and not rows[first_name]["is_mine"]
    assert review["mean"] is None and review["spread"] is None and not review["complete"]

    own = {row["expert"]: row for row in detail(first, application)["review"]["experts"]}
    assert own[first_name]["is_mine"]
    assert _shown(own[first_name]["total"]) == totals[first_name]
    assert {k: Decimal(v) for k, v in own[first_name]["scores"].items()} == {
        k: Decimal(v) for k, v in RUBRIC_SCORES[0].items()
    }
    # The department sees every score as it comes in.
    seen = {row["expert"]: row for row in detail(cast.province, application)["review"]["experts"]}
    assert _shown(seen[first_name]["total"]) == totals[first_name]

    for expert, scores in ((second, RUBRIC_SCORES[1]), (third, RUBRIC_SCORES[2])):
        response = act(expert, application, "score", {"scores": scores, "comment": "可"})
        assert response.status_code == 200, response.json()
    totals = _totals(application)
    review = detail(second, application)["review"]
    assert review["complete"]
    assert {row["expert"]: _shown(row["total"]) for row in review["experts"]} == totals
    mean = (sum(totals.values(), Decimal(0)) / len(totals)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert Decimal(review["mean"]) == mean
    assert Decimal(review["spread"]) == max(totals.values()) - min(totals.values())


def test_other_experts_scores_do_not_leak_through_the_timeline(cast):
    application = advanced_at(cast, "expert_review")
    first, second, _third = cast.experts
    for expert in (first, second):
        assert act(expert, application, "accept_assignment").status_code == 200
    response = act(first, application, "score", {"scores": RUBRIC_SCORES[0], "comment": "好"})
    assert response.status_code == 200
    first_total = ExpertAssignment.objects.get(expert__user=first).total
    assert first_total is not None

    data = detail(second, application)
    assert all(row["total"] is None for row in data["review"]["experts"])  # hidden here ...
    leaked = [
        event
        for event in data["timeline"]
        if "total" in event["extra_data"] or "scores" in event["extra_data"]
    ]
    assert leaked == []  # ... and must be hidden in the timeline too


# --- d. joint departments ----------------------------------------------------------------------


def test_a_joint_department_of_another_province_cannot_concur(cast):
    application = advanced_at(cast, "joint_review")
    zhejiang = mf.UserFactory(
        role=Role.JOINT_REVIEWER,
        authority=joint_department("33", Authority.Kind.DEVELOPMENT_REFORM),
    )
    response = act(zhejiang, application, "concur", {"reason": "同意"})
    # Out of its scope, the application is not found at all (not merely forbidden).
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api_client_for(zhejiang).get(url(application)).status_code == 404
    waiting = api_client_for(zhejiang).get("/api/v1/applications/", {"waiting_for": "me"})
    assert len(waiting.json()["results"]) == 0
    assert not JointOpinion.objects.filter(application=application).exists()
    assert not AuditEvent.objects.filter(application=application, event_type="concur").exists()
    application.refresh_from_db()
    assert application.status == "joint_review"


def test_a_joint_department_gives_one_opinion_per_round(cast):
    application = advanced_at(cast, "joint_review")
    reviewer = cast.joint[0]
    assert act(reviewer, application, "concur", {"reason": "同意"}).status_code == 200
    again = act(reviewer, application, "concur", {"reason": "再次同意"})
    assert again.status_code == 403 and again.json()["code"] == "forbidden"
    change = act(reviewer, application, "object", {"reason": "改变意见"})
    assert change.status_code == 403 and change.json()["code"] == "forbidden"
    # A colleague of the same department cannot answer for it a second time either.
    colleague = mf.UserFactory(role=Role.JOINT_REVIEWER, authority=reviewer.authority)
    assert act(colleague, application, "object", {"reason": "反对"}).status_code == 403
    opinions = JointOpinion.objects.filter(application=application)
    assert [(o.authority_id, o.decision) for o in opinions] == [(reviewer.authority_id, "concur")]
    application.refresh_from_db()
    assert application.status == "joint_review"
    waiting = api_client_for(reviewer).get("/api/v1/applications/", {"waiting_for": "me"})
    assert len(waiting.json()["results"]) == 0
    # An objection needs a reason.
    response = act(cast.joint[1], application, "object")
    assert response.status_code == 400 and "reason" in response.json()["fields"]


# --- e. error codes ------------------------------------------------------------------------------


def test_wrong_state_actions_are_409_invalid_transition(cast):
    application = advanced_at(cast, "provincial_review")
    refusals = [
        (cast.city, "forward", {}),
        (cast.province, "certify", {}),
        (cast.province, "recommend", {}),
        (cast.province, "send_to_joint", {}),  # a guarded action in the wrong state
        (cast.joint[0], "concur", {}),
        (cast.applicant, "submit", {}),
    ]
    for user, action, body in refusals:
        response = act(user, application, action, body)
        assert response.status_code == 409, (action, response.json())
        assert response.json()["code"] == "invalid_transition", action
        assert response.json()["message"]
    application.refresh_from_db()
    assert application.status == "provincial_review"
    assert AuditEvent.objects.filter(application=application).latest("pk").event_type == "forward"


def test_send_to_joint_before_every_expert_scored_is_409_not_ready(cast):
    application = advanced_at(cast, "expert_review")
    for expert, scores in zip(cast.experts[:2], RUBRIC_SCORES, strict=False):
        application_transition(
            application=application, action=Action.ACCEPT_ASSIGNMENT, actor=expert
        )
        application_transition(
            application=application, action=Action.SCORE, actor=expert, data={"scores": scores}
        )
    response = act(cast.province, application, "send_to_joint")
    assert response.status_code == 409 and response.json()["code"] == "not_ready"
    assert "2 of 3" in response.json()["message"]
    application.refresh_from_db()
    assert application.status == "expert_review" and application.joint_round == 0


def test_return_without_a_reason_is_400(cast):
    application = advanced_at(cast, "city_review")
    for body in ({}, {"reason": "   "}):
        response = act(cast.city, application, "return", body)
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "invalid" and "reason" in response.json()["fields"]
    response = act(cast.city, application, "reject", {})
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    application.refresh_from_db()
    assert application.status == "city_review" and application.resume_state == ""
    response = act(cast.city, application, "return", {"reason": "补充佐证材料"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["resume_state"] == "city_review"


def test_an_action_the_workflow_lacks_is_409_unknown_action(cast):
    factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, factory.enterprise)
    basic = ready_basic(cast.applicant, factory, None)
    basic = services.application_submit(actor=cast.applicant, application=basic)
    services.application_run_checks(application_id=basic.pk, submission=basic.submission)
    basic.refresh_from_db()
    assert basic.status == "certified"
    response = act(cast.city, basic, "forward")
    assert response.status_code == 409 and response.json()["code"] == "unknown_action"


def test_the_experts_register_is_for_the_provincial_department_only(cast):
    application = advanced_at(cast, "provincial_review")
    assert api_client_for(cast.city).get(url(application, "experts")).status_code == 403
    assert api_client_for(cast.joint[0]).get(url(application, "experts")).status_code == 403
    assert api_client_for(cast.applicant).get(url(application, "experts")).status_code == 403
    stranger = mf.UserFactory()
    assert api_client_for(stranger).get(url(application, "experts")).status_code == 404


# --- f. worklist query counts ------------------------------------------------------------------


def _add_worklist_applications(cast: ReviewCast, count: int) -> None:
    """``count`` applications waiting for the first joint department and for the first expert
    (half of them invited, half accepted), and twice ``count`` in the province's worklist (at
    provincial review, and at expert scoring, which the department manages)."""
    for n in range(count):
        advanced_at(cast, "provincial_review")
        advanced_at(cast, "joint_review")
        application = advanced_at(cast, "expert_review")
        if n % 2:
            application_transition(
                application=application, action=Action.ACCEPT_ASSIGNMENT, actor=cast.experts[0]
            )


def _worklist_requests(cast: ReviewCast):
    """(name, fetch) for each worklist, API and page; fetch returns how many rows it showed."""

    def api(user):
        client = api_client_for(user)

        def fetch() -> int:
            response = client.get("/api/v1/applications/", {"waiting_for": "me"})
            assert response.status_code == 200
            return len(response.json()["results"])

        return fetch

    def page(user):
        client = Client()
        client.force_login(user)

        def fetch() -> int:
            response = client.get("/worklist/")
            assert response.status_code == 200
            return response.content.decode().count('class="worklist-row"')

        return fetch

    users = {"province": cast.province, "joint": cast.joint[0], "expert": cast.experts[0]}
    return [
        (f"{kind} {name}", build(user))
        for name, user in users.items()
        for kind, build in (
            ("api", api),
            ("page", page),
        )
    ]


def test_worklists_use_the_same_queries_at_two_sizes(cast, django_assert_num_queries):
    small, large = 2, 6
    _add_worklist_applications(cast, small)
    requests = _worklist_requests(cast)
    rows_per_batch = {"province": 2, "joint": 1, "expert": 1}
    measured = {}
    for name, fetch in requests:
        with CaptureQueriesContext(connection) as queries:
            assert fetch() == small * rows_per_batch[name.split()[1]], name
        measured[name] = len(queries)
    _add_worklist_applications(cast, large - small)
    for name, fetch in requests:
        with django_assert_num_queries(measured[name]):
            assert fetch() == large * rows_per_batch[name.split()[1]], name


# --- g. the OpenAPI description -----------------------------------------------------------------

ACTIONS = {
    # action: (request schema and a field it must have, or None; success status)
    "submit": (None, "202"),
    "withdraw": (("ReasonInput", "reason"), "200"),
    "reject": (("ReasonInput", "reason"), "200"),
    "forward": (("ReasonInput", "reason"), "200"),
    "return": (("ReasonInput", "reason"), "200"),
    "assign_experts": (("AssignExpertsInput", "experts"), "200"),
    "accept_assignment": (None, "200"),
    "decline_assignment": (("ReasonInput", "reason"), "204"),
    "score": (("ScoreInput", "scores"), "200"),
    "send_to_joint": (None, "200"),
    "concur": (("ReasonInput", "reason"), "200"),
    "object": (("ReasonInput", "reason"), "200"),
    "recommend": (("ReasonInput", "reason"), "200"),
    "certify": (None, "200"),
}


@pytest.fixture(scope="module")
def schema():
    """The schema as /api/schema/ serves it, generated once for the module."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def test_the_schema_is_served_to_a_signed_in_user(cast, schema):
    response = api_client_for(cast.province).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    served = response.json()
    for action in ACTIONS:
        path = f"/api/v1/applications/{{id}}/{action}/"
        operation, generated = served["paths"][path]["post"], schema["paths"][path]["post"]
        assert operation["responses"] == generated["responses"]
        assert operation.get("requestBody") == generated.get("requestBody")


def _ref(content: dict) -> str:
    return content["application/json"]["schema"]["$ref"]


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "decline_assignment"])
def test_schema_documents_each_action(schema, action):
    body, success = ACTIONS[action]
    operation = schema["paths"][f"/api/v1/applications/{{id}}/{action}/"]["post"]
    responses = operation["responses"]
    error_refs = {_ref(responses[code]["content"]) for code in ("400", "403", "404", "409")}
    assert len(error_refs) == 1
    error = _component(schema, error_refs.pop())
    assert {"code", "message", "fields"} <= set(error["properties"])
    assert set(error["required"]) == {"code", "message"}
    assert success in responses
    assert _ref(responses[success]["content"]).endswith("/ApplicationDetailOutput")
    if body is None:
        assert "requestBody" not in operation
    else:
        name, field = body
        ref = _ref(operation["requestBody"]["content"])
        assert ref.endswith(f"/{name}")
        assert field in _component(schema, ref)["properties"]


def test_schema_describes_the_assign_and_score_bodies(schema):
    components = schema["components"]["schemas"]
    experts = components["AssignExpertsInput"]["properties"]["experts"]
    assert experts["type"] == "array" and experts["items"]["type"] == "integer"
    assert components["AssignExpertsInput"]["required"] == ["experts"]
    scores = components["ScoreInput"]["properties"]["scores"]
    assert scores["type"] == "object" and "additionalProperties" in scores
    assert "scores" in components["ScoreInput"]["required"]
    assert "comment" in components["ScoreInput"]["properties"]


def test_schema_documents_the_worklist_filter_and_the_register_errors(schema):
    listing = schema["paths"]["/api/v1/applications/"]["get"]
    waiting = next(p for p in listing["parameters"] if p["name"] == "waiting_for")
    assert waiting["schema"]["enum"] == ["me"]
    operation = schema["paths"]["/api/v1/applications/{id}/experts/"]["get"]
    assert {"200", "403", "404"} <= set(operation["responses"])
    assert _ref(operation["responses"]["403"]["content"]).endswith("/ErrorOutput")


def test_schema_documents_the_register_as_the_list_it_returns(schema, cast):
    application = advanced_at(cast, "provincial_review")
    answered = api_client_for(cast.province).get(url(application, "experts")).json()
    assert isinstance(answered, list) and answered
    operation = schema["paths"]["/api/v1/applications/{id}/experts/"]["get"]
    documented = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert documented.get("type") == "array"
    assert "conflicts" in _component(schema, documented["items"]["$ref"])["properties"]


def test_schema_documents_decline_assignment_as_204(schema, cast):
    operation = schema["paths"]["/api/v1/applications/{id}/decline_assignment/"]["post"]
    responses = operation["responses"]
    assert _ref(operation["requestBody"]["content"]).endswith("/ReasonInput")
    assert {"400", "403", "404", "409"} <= set(responses)
    application = advanced_at(cast, "expert_review")
    answered = act(cast.experts[0], application, "decline_assignment", {"reason": "回避"})
    assert str(answered.status_code) in responses
    assert "200" not in responses


def test_the_worklist_tells_how_long_each_has_waited_and_the_campaign_deadline(cast):
    waiting = advanced_at(cast, "city_review")
    advanced_at(cast, "provincial_review")  # waits for the province, not the city
    rows = api_client_for(cast.city).get("/api/v1/applications/?waiting_for=me").json()["results"]
    assert [row["id"] for row in rows] == [waiting.pk]
    waiting.refresh_from_db()
    assert (
        rows[0]["state_changed_at"]
        == waiting.state_changed_at.astimezone(timezone.get_current_timezone()).isoformat()
    )
    assert rows[0]["campaign_closes_on"] == cast.campaign.closes_on.isoformat()


def test_each_side_reads_the_state_in_its_own_words(cast):
    from django.utils import translation

    from certification.workflow.states import STATES

    application = advanced_at(cast, "joint_review")
    info = STATES["joint_review"]
    with translation.override("en"):
        applicant_words, staff_words = str(info.applicant_label), str(info.staff_label)
    assert applicant_words != staff_words
    for user, expected in ((cast.applicant, applicant_words), (cast.province, staff_words)):
        body = api_client_for(user).get(f"/api/v1/applications/{application.pk}/").json()
        assert body["status_label"] == expected
        listed = api_client_for(user).get("/api/v1/applications/").json()["results"]
        assert {row["status_label"] for row in listed if row["id"] == application.pk} == {expected}


def test_a_returned_application_keeps_its_edition(cast):
    from certification.models import Campaign, TierConditionsEdition
    from certification.services.reference import tier_conditions_copy

    application = advanced_at(cast, "city_review")
    application_transition(
        application=application, action=Action.RETURN, actor=cast.city, reason="补充"
    )
    edition = tier_conditions_copy(
        edition=TierConditionsEdition.objects.get(edition="2025"), new_edition="2026-test"
    )
    other = Campaign.objects.create(
        authority=cast.campaign.authority,
        tier="advanced",
        year=cast.campaign.year,
        batch=cast.campaign.batch + 1,
        opens_on=cast.campaign.opens_on,
        closes_on=cast.campaign.closes_on,
        tier_edition=edition,
        created_by=cast.province,
    )
    response = api_client_for(cast.applicant).patch(
        f"/api/v1/applications/{application.pk}/", {"campaign": other.pk}, format="json"
    )
    assert response.status_code == 400 and "campaign" in response.json()["fields"]
    application.refresh_from_db()
    assert application.campaign_id == cast.campaign.pk
