"""The review chain at service level (services/reviews.py): returns that resume where they
started, applications that lose their prerequisite certificate, and rubric scoring."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from certification import services
from certification.models import Application, AuditEvent, Certificate, CheckResult, ExpertAssignment
from certification.workflow.definitions import Action
from certification.workflow.engine import application_transition
from certification.workflow.policies import tier_condition
from core.errors import DomainError
from tests import model_factories as mf
from tests.certification.conftest import claims_for, declare_all, ready_basic, submitted_assessment
from tests.certification.review_setup import ReviewCast, advanced_at
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def resubmit_and_check(cast: ReviewCast, application: Application) -> Application:
    application = services.application_submit(actor=cast.applicant, application=application)
    services.application_run_checks(
        application_id=application.pk, submission=application.submission
    )
    application.refresh_from_db()
    return application


# --- a. return, resubmit, resume ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "reviewer"),
    [
        ("city_review", "city"),
        ("provincial_review", "province"),
        ("expert_review", "province"),
        ("provincial_decision", "province"),
    ],
)
def test_a_returned_application_comes_back_to_the_step_that_returned_it(cast, step, reviewer):
    application = advanced_at(cast, step)
    first = set(
        CheckResult.objects.filter(application=application, submission=1).values_list(
            "rule", flat=True
        )
    )
    application = application_transition(
        application=application,
        action=Action.RETURN,
        actor=getattr(cast, reviewer),
        reason="请补充关键指标佐证材料",
    )
    assert application.status == "returned" and application.resume_state == step
    returned = AuditEvent.objects.filter(application=application, event_type="return").get()
    assert returned.from_status == step and returned.reason == "请补充关键指标佐证材料"
    assert returned.acting_authority == getattr(cast, reviewer).authority

    application = resubmit_and_check(cast, application)

    assert application.submission == 2
    assert application.status == step
    assert application.resume_state == ""
    second = CheckResult.objects.filter(application=application, submission=2)
    assert set(second.values_list("rule", flat=True)) == first
    assert all(result.passed for result in second)
    resumed = AuditEvent.objects.filter(application=application, event_type="checks_pass").latest(
        "pk"
    )
    assert resumed.to_status == step and resumed.extra_data["resumed_at"] == step


def test_a_resubmission_that_fails_its_checks_keeps_the_resume_point(cast):
    application = advanced_at(cast, "provincial_review")
    application = application_transition(
        application=application, action=Action.RETURN, actor=cast.province, reason="补充"
    )
    services.application_claims_set(
        actor=cast.applicant,
        application=application,
        claims=claims_for("production_operations"),  # no longer covers the required stages
    )
    application = resubmit_and_check(cast, application)
    assert application.status == "returned" and application.resume_state == "provincial_review"
    failed = CheckResult.objects.filter(application=application, submission=2, passed=False)
    assert set(failed.values_list("rule", flat=True)) == {"stage_coverage"}


# --- b. dependent certificates ------------------------------------------------------------------


def test_losing_the_basic_certificate_returns_the_advanced_application(cast):
    factory = mf.FactoryFactory()  # a Suzhou factory, not in the cultivation pool
    mf.member_of(cast.applicant, factory.enterprise)
    basic = ready_basic(cast.applicant, factory, None)
    basic = resubmit_and_check(cast, basic)
    assert basic.status == "certified"
    certificate = Certificate.objects.get(application=basic)
    assert certificate.status == "active" and certificate.self_declared

    advanced = services.application_create(
        actor=cast.applicant,
        factory=factory,
        tier="advanced",
        campaign=cast.campaign,
        assessment=submitted_assessment(cast.applicant, factory, 3),
    )
    services.application_claims_set(
        actor=cast.applicant,
        application=advanced,
        claims=claims_for(
            "production_operations", "production_management", "operational_management"
        ),
    )
    declare_all(cast.applicant, advanced, None)
    advanced = resubmit_and_check(cast, advanced)
    assert advanced.status == "city_review"
    prerequisite = CheckResult.objects.get(
        application=advanced, submission=advanced.submission, rule="prerequisite_tier"
    )
    assert prerequisite.passed
    application_transition(application=advanced, action=Action.FORWARD, actor=cast.city)

    services.basic_declaration_reject(actor=cast.city, application=basic, reason="现场核查不符")

    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    advanced.refresh_from_db()
    assert advanced.status == "returned"
    assert advanced.resume_state == "provincial_review"
    prerequisite.refresh_from_db()
    assert prerequisite.submission == advanced.submission
    assert not prerequisite.passed
    assert "Basic certificate" in prerequisite.message_en and prerequisite.message_zh
    lost = AuditEvent.objects.get(application=advanced, event_type="prerequisite_lost")
    assert lost.from_status == "provincial_review" and lost.to_status == "returned"
    assert lost.actor is None and lost.reason == prerequisite.message_zh
    # Nothing else was returned: only the factory's dependants are re-evaluated.
    assert (
        AuditEvent.objects.filter(event_type="prerequisite_lost").values("application").count() == 1
    )


def test_a_pooled_factory_keeps_its_advanced_application_when_the_basic_is_lost(cast):
    factory = mf.FactoryFactory()
    mf.member_of(cast.applicant, factory.enterprise)
    basic = resubmit_and_check(cast, ready_basic(cast.applicant, factory, None))
    advanced = advanced_at(cast, "provincial_review", factory=factory)  # pools the factory
    services.basic_declaration_reject(actor=cast.city, application=basic, reason="不符")
    advanced.refresh_from_db()
    assert advanced.status == "provincial_review"
    assert not AuditEvent.objects.filter(event_type="prerequisite_lost").exists()


# --- c. rubric scoring --------------------------------------------------------------------------


def _scoring(cast: ReviewCast) -> tuple[Application, ExpertAssignment]:
    application = advanced_at(cast, "expert_review")
    expert = cast.experts[0]
    application_transition(application=application, action=Action.ACCEPT_ASSIGNMENT, actor=expert)
    return application, ExpertAssignment.objects.get(application=application, expert__user=expert)


def _score(application: Application, assignment: ExpertAssignment, scores: dict) -> None:
    application_transition(
        application=application,
        action=Action.SCORE,
        actor=assignment.expert.user,
        data={"scores": scores, "comment": "  意见  "},
    )


def test_the_total_is_the_weighted_sum_on_the_rubric(cast):
    application, assignment = _scoring(cast)
    rubric = tier_condition(application).review_rubric
    assert rubric and sum(Decimal(str(c["weight"])) for c in rubric) == 1
    values = ["33.33", "66.67", "12.35", "99.99", "50", "0"]
    scores = {c["code"]: values[i % len(values)] for i, c in enumerate(rubric)}
    _score(application, assignment, scores)

    assignment.refresh_from_db()
    expected = sum(
        (Decimal(str(c["weight"])) * Decimal(scores[c["code"]]) for c in rubric), Decimal(0)
    ).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert assignment.total == expected
    assert {code: Decimal(v) for code, v in assignment.scores.items()} == {
        code: Decimal(v) for code, v in scores.items()
    }
    assert assignment.status == "scored" and assignment.scored_at is not None
    assert assignment.comment == "意见"
    event = AuditEvent.objects.get(application=application, event_type="score")
    assert Decimal(event.extra_data["total"]) == expected


def test_the_bounds_0_and_100_are_accepted(cast):
    application, assignment = _scoring(cast)
    rubric = tier_condition(application).review_rubric
    scores = {c["code"]: ("0" if i % 2 else "100") for i, c in enumerate(rubric)}
    _score(application, assignment, scores)
    assignment.refresh_from_db()
    expected = sum(
        (Decimal(str(c["weight"])) * Decimal(scores[c["code"]]) for c in rubric), Decimal(0)
    )
    assert assignment.total == expected


def _bad_scores(rubric: list[dict], case: str) -> tuple[dict, str]:
    """Scores for every criterion, with one fault; the field error it must produce."""
    scores = {c["code"]: "80" for c in rubric}
    first = rubric[0]["code"]
    if case == "above_100":
        scores[first] = "100.01"
    elif case == "negative":
        scores[first] = "-1"
    elif case == "not_a_number":
        scores[first] = "good"
    elif case == "not_finite":
        scores[first] = "NaN"
    elif case == "boolean":
        scores[first] = True
    elif case == "missing":
        del scores[first]
    elif case == "unknown_criterion":
        scores["charisma"] = "90"
        return scores, "scores"
    return scores, f"scores.{first}"


@pytest.mark.parametrize(
    "case",
    [
        "above_100",
        "negative",
        "not_a_number",
        "not_finite",
        "boolean",
        "missing",
        "unknown_criterion",
    ],
)
def test_bad_scores_are_refused_and_nothing_is_stored(cast, case):
    application, assignment = _scoring(cast)
    scores, field = _bad_scores(tier_condition(application).review_rubric, case)
    with pytest.raises(DomainError) as refused:
        _score(application, assignment, scores)
    assert refused.value.status == 400
    assert field in refused.value.fields
    assignment.refresh_from_db()
    assert assignment.status == "accepted"
    assert assignment.scores == {} and assignment.total is None and assignment.scored_at is None
    assert not AuditEvent.objects.filter(application=application, event_type="score").exists()


def test_bad_scores_through_the_api_are_400_with_field_errors(cast):
    application, assignment = _scoring(cast)
    rubric = tier_condition(application).review_rubric
    scores = {c["code"]: "80" for c in rubric}
    scores[rubric[-1]["code"]] = "150"
    response = api_client_for(assignment.expert.user).post(
        f"/api/v1/applications/{application.pk}/score/", {"scores": scores}, format="json"
    )
    assert response.status_code == 400
    assert f"scores.{rubric[-1]['code']}" in response.json()["fields"]
    assignment.refresh_from_db()
    assert assignment.status == "accepted" and assignment.total is None


def test_only_an_accepted_assignment_can_be_scored(cast):
    application = advanced_at(cast, "expert_review")
    rubric = tier_condition(application).review_rubric
    scores = {c["code"]: "80" for c in rubric}
    with pytest.raises(DomainError) as refused:
        application_transition(
            application=application,
            action=Action.SCORE,
            actor=cast.experts[0],
            data={"scores": scores},
        )
    assert refused.value.status == 403
    assert not ExpertAssignment.objects.filter(application=application, status="scored").exists()
    application.refresh_from_db()
    assert application.status == "expert_review"


# --- experts who do not answer, scores of a returned version, who the worklist names ---------


def test_a_return_during_scoring_asks_the_experts_to_score_the_new_version(cast):
    from tests.certification.review_setup import RUBRIC_SCORES

    application = advanced_at(cast, "expert_review_scored")
    application_transition(
        application=application, action=Action.RETURN, actor=cast.province, reason="补充材料"
    )
    event = AuditEvent.objects.get(application=application, event_type="return")
    assert len(event.extra_data["previous_scores"]) == len(cast.experts)
    application = resubmit_and_check(cast, application)
    assert application.status == Application.Status.EXPERT_REVIEW
    statuses = set(application.assignments.values_list("status", "total"))
    assert statuses == {(ExpertAssignment.Status.ACCEPTED, None)}
    with pytest.raises(DomainError) as refused:
        application_transition(
            application=application, action=Action.SEND_TO_JOINT, actor=cast.province
        )
    assert refused.value.code == "not_ready"
    for expert, scores in zip(cast.experts, RUBRIC_SCORES, strict=True):
        application_transition(
            application=application, action=Action.SCORE, actor=expert, data={"scores": scores}
        )
    application_transition(
        application=application, action=Action.SEND_TO_JOINT, actor=cast.province
    )


def test_the_department_replaces_an_expert_who_never_answers(cast):
    from certification.services.reviews import expert_register
    from tests.certification.review_setup import RUBRIC_SCORES

    application = advanced_at(cast, "expert_review")
    silent, *others = cast.experts
    for expert, scores in zip(others, RUBRIC_SCORES, strict=False):
        application_transition(
            application=application, action=Action.ACCEPT_ASSIGNMENT, actor=expert
        )
        application_transition(
            application=application, action=Action.SCORE, actor=expert, data={"scores": scores}
        )
    with pytest.raises(DomainError):  # a reason is required
        application_transition(
            application=application,
            action=Action.UNASSIGN_EXPERTS,
            actor=cast.province,
            data={"experts": [silent.expert_profile.pk]},
        )
    application_transition(
        application=application,
        action=Action.UNASSIGN_EXPERTS,
        actor=cast.province,
        reason="逾期未答复",
        data={"experts": [silent.expert_profile.pk]},
    )
    with pytest.raises(DomainError):  # removed: no longer invited
        application_transition(
            application=application, action=Action.ACCEPT_ASSIGNMENT, actor=silent
        )
    substitute = mf.UserFactory(role="expert")
    expert = expert_register(user=substitute, employer_name="研究所", province_id="32")
    application_transition(
        application=application,
        action=Action.ASSIGN_EXPERTS,
        actor=cast.province,
        data={"experts": [expert.pk]},
    )
    application_transition(
        application=application, action=Action.ACCEPT_ASSIGNMENT, actor=substitute
    )
    application_transition(
        application=application,
        action=Action.SCORE,
        actor=substitute,
        data={"scores": RUBRIC_SCORES[2]},
    )
    application_transition(
        application=application, action=Action.SEND_TO_JOINT, actor=cast.province
    )
    # A scored assignment cannot be removed.
    assert application.assignments.filter(status="scored").count() == 3


def test_a_declined_expert_can_be_asked_again(cast):
    application = advanced_at(cast, "expert_review")
    expert = cast.experts[0]
    application_transition(
        application=application, action=Action.DECLINE_ASSIGNMENT, actor=expert, reason="出差"
    )
    application_transition(
        application=application,
        action=Action.ASSIGN_EXPERTS,
        actor=cast.province,
        data={"experts": [expert.expert_profile.pk]},
    )
    assert application.assignments.get(expert__user=expert).status == "invited"


def test_worklists_name_only_those_who_can_act(cast):
    from certification import selectors
    from regions.models import Authority
    from tests.certification.review_setup import joint_department

    application = advanced_at(cast, "joint_review")
    national_finance, _ = Authority.objects.get_or_create(
        code="national-finance",
        defaults={
            "name_zh": "财政部",
            "name_en": "Ministry of Finance",
            "level": "national",
            "kind": "finance",
        },
    )
    outsiders = [
        mf.UserFactory(role="joint_reviewer", authority=national_finance),
        mf.UserFactory(role="provincial_official", authority=joint_department("32", "finance")),
    ]
    for user in outsiders:
        assert not selectors.worklist_for(user).exists(), user.authority
    assert list(selectors.worklist_for(cast.joint[0])) == [application]
    # A kind the edition does not list sees nothing either.
    condition = tier_condition(application)
    condition.joint_department_kinds = [
        k for k in condition.joint_department_kinds if k != "finance"
    ]
    condition.save(update_fields=["joint_department_kinds"])
    finance = next(u for u in cast.joint if u.authority.kind == "finance")
    assert not selectors.worklist_for(finance).exists()
